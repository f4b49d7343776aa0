using System.Reflection;
using System.Runtime.CompilerServices;
using ActorMigration.Api.Tests.Security;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>The routes (<c>METHOD /path/{template}</c>, as in docs/api.md) whose answer shape a test checks.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CoversAttribute(params string[] routes) : Attribute
{
    public IReadOnlyList<string> Routes { get; } = routes;
}

/// <summary>
/// Calls a route and checks its answer's <c>data</c> against a <see cref="Shape"/>. Each call names the route's template;
/// <see cref="AssertAllChecked"/> makes sure a test checked every route its <see cref="CoversAttribute"/> claims.
/// </summary>
public sealed class RouteShapes(PveClient client)
{
    private HashSet<string> _checked = [];

    /// <summary>The same record of checked routes, calling as another client (e.g. without authentication).</summary>
    public RouteShapes As(PveClient other) => new(other) { _checked = _checked };

    public async Task<PveClient.Response> Check(string method, string template, string path, string shape, params (string, string)[] args)
    {
        var r = method switch
        {
            "GET" => await client.Get(path, args),
            "POST" => await client.Post(path, args),
            "PUT" => await client.Put(path, args),
            "DELETE" => await client.Delete(path, args),
            _ => throw new ArgumentException(method)
        };
        Assert.True(r.Status == System.Net.HttpStatusCode.OK, $"{method} {path}: {r}");
        var data = r.Json is { } j ? j["data"] : null;
        var mismatches = Shape.Parse(shape).Mismatches(data);
        Assert.True(mismatches.Count == 0, $"{method} {template}: {string.Join("; ", mismatches)}\n{r.Body}");
        _checked.Add($"{method} {template}");
        return r;
    }

    /// <summary>A route whose answer is not JSON (e.g. /metrics), checked by the test itself.</summary>
    public void Checked(string method, string template) => _checked.Add($"{method} {template}");

    public Task<PveClient.Response> Get(string template, string path, string shape, params (string, string)[] query) =>
        Check("GET", template, path, shape, query);

    /// <summary>Every route the calling test's <see cref="CoversAttribute"/> names was checked.</summary>
    public void AssertAllChecked(object test, [CallerMemberName] string method = "")
    {
        var covers = test.GetType().GetMethod(method)!.GetCustomAttribute<CoversAttribute>()!;
        Assert.Empty(covers.Routes.Except(_checked));
    }
}

/// <summary>Every row of docs/api.md's endpoint table has a shape test.</summary>
public sealed class RouteCoverageTests
{
    [Fact]
    public void Every_route_in_the_docs_has_a_shape_test()
    {
        var covered = typeof(RouteShapes).Assembly.GetTypes().SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetCustomAttribute<CoversAttribute>()?.Routes ?? []).ToHashSet();
        var missing = ApiTable.Read().Select(r => r.ToString()).Where(r => !covered.Contains(r)).ToList();
        Assert.True(missing.Count == 0, "routes without a shape test:\n" + string.Join("\n", missing));
        var unknown = covered.Except(ApiTable.Read().Select(r => r.ToString())).ToList();
        Assert.True(unknown.Count == 0, "shape tests of routes docs/api.md lacks:\n" + string.Join("\n", unknown));
    }
}
