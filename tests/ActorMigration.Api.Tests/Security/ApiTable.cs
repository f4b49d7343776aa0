using System.Text.RegularExpressions;

namespace ActorMigration.Api.Tests.Security;

/// <summary>One row of the endpoint table in docs/api.md: method, path template, and the privilege it documents.</summary>
public sealed record ApiRoute(string Method, string Path, string Privilege)
{
    /// <summary>Proxmox's <c>user => 'all'</c>: any authenticated caller gets an answer (a list filtered to what it may see).</summary>
    public bool AnyUser => Privilege.StartsWith("any user", StringComparison.Ordinal);

    /// <summary>Reachable without authentication (<c>/access/ticket</c>).</summary>
    public bool NoAuth => Privilege.StartsWith("none", StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>Reads the endpoint table of docs/api.md, so that a route added to the docs is swept without touching the test.</summary>
public static partial class ApiTable
{
    [GeneratedRegex(@"^\| (GET|POST|PUT|DELETE) \| `(/[^`]*)` \| ([^|]*) \|")]
    private static partial Regex Row();

    public static IReadOnlyList<ApiRoute> Read()
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "api.md"));
        var start = Array.IndexOf(lines, "## Endpoints");
        Assert.True(start >= 0, "docs/api.md has no '## Endpoints' section");
        var routes = lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => Row().Match(l)).Where(m => m.Success)
            .Select(m => new ApiRoute(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value.Trim()))
            .ToList();
        Assert.True(routes.Count >= 30, $"only {routes.Count} rows read from the endpoint table of docs/api.md");
        return routes;
    }
}
