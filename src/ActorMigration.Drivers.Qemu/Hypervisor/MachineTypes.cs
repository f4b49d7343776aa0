using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Pins machine types to concrete versioned names (pc → pc-i440fx-7.2) from <c>-machine help</c>.</summary>
internal static class MachineTypes
{
    public const string DefaultAlias = "pc";

    private static readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyDictionary<string, string>>>> Cache = new();
    private static readonly Regex Line = new(@"^(\S+)\s+.*?(?:\(alias of (\S+)\))?\s*$", RegexOptions.Compiled);

    /// <summary>The versioned type QEMU runs for <paramref name="requested"/> (null: the default i440fx).</summary>
    public static async Task<string> ResolveAsync(string qemuSystem, string? requested, CancellationToken ct = default)
    {
        var name = Normalize(requested);
        var known = await Cache.GetOrAdd(qemuSystem, q => new Lazy<Task<IReadOnlyDictionary<string, string>>>(() => LoadAsync(q))).Value;
        if (known.TryGetValue(name, out var pinned)) return pinned;
        throw new InvalidOperationException($"machine type '{requested}' is not supported by {qemuSystem}");
    }

    /// <summary>Strips Proxmox decorations: <c>type=</c>, options after a comma, <c>+pveN</c>.</summary>
    public static string Normalize(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested)) return DefaultAlias;
        var s = requested.Trim();
        foreach (var part in s.Split(','))
        {
            if (part.StartsWith("type=", StringComparison.Ordinal)) { s = part[5..]; break; }
            if (!part.Contains('=')) { s = part; break; }
        }
        var plus = s.IndexOf("+pve", StringComparison.Ordinal);
        return plus > 0 ? s[..plus] : s;
    }

    private static async Task<IReadOnlyDictionary<string, string>> LoadAsync(string qemuSystem)
    {
        var r = await ProcessRunner.RunAsync(qemuSystem, ["-machine", "help"], TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0) throw new InvalidOperationException($"{qemuSystem} -machine help failed: {r.ErrorText}");
        var map = new Dictionary<string, string>();
        foreach (var raw in r.StdOut.Split('\n').Skip(1))
        {
            var m = Line.Match(raw.TrimEnd());
            if (!m.Success) continue;
            map[m.Groups[1].Value] = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[1].Value;
        }
        return map;
    }
}
