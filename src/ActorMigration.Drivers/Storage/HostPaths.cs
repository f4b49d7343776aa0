using System.Text.RegularExpressions;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Storage;

/// <summary>
/// Rewrites host paths in a driver's error text (qemu-img, .NET I/O messages) into what a client may see:
/// a file under a storage becomes its volume id, the node's run directory becomes "(run dir)".
/// </summary>
public static class HostPaths
{
    private const string PathChars = @"[^\s'""`,;()\[\]{}<>]*";

    // A root is replaced only where it ends: "/srv/a" is not a prefix of "/srv/ab".
    private const string End = @"(?![^/\s'""`,;()\[\]{}<>])";

    public static string Redact(string text, NodeSettings settings)
    {
        var roots = settings.Storage.On(settings.Node)
            .SelectMany(s => Variants(s.PathOn(settings.Node)).Select(r => (Root: r, Id: s.Id)))
            .OrderByDescending(r => r.Root.Length);
        foreach (var (root, id) in roots)
            text = Regex.Replace(text, Regex.Escape(root) + $"(?:/({PathChars}))?{End}", m => VolId(id, m.Groups[1].Value));
        foreach (var run in Variants(settings.RunDir).OrderByDescending(r => r.Length))
            text = Regex.Replace(text, Regex.Escape(run) + $"(?:/{PathChars})?{End}", "(run dir)");
        return text;
    }

    /// <summary>The path as configured and as the kernel resolves it.</summary>
    private static IEnumerable<string> Variants(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        if (full.Length == 0) yield break;
        yield return full;
        if (PosixFile.RealPath(full)?.TrimEnd('/') is { Length: > 0 } real && real != full) yield return real;
    }

    private static string VolId(string storage, string rel)
    {
        var parts = rel.Split('/', 3);
        return parts switch
        {
            ["images", var vmid, var name] => $"{storage}:{vmid}/{name}",
            ["template", "iso", var name] => $"{storage}:iso/{name}",
            ["dump", _, ..] => $"{storage}:backup/{rel[5..]}",
            _ => $"{storage}:{rel}",
        };
    }
}
