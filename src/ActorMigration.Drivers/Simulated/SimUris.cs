using System.Text.RegularExpressions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// URIs of the simulation. Incoming migration: <c>sim://node/vmid/port</c>. NBD server of an incoming VM:
/// <c>sim-nbd://node:port</c> (drive exports <c>…/drive-scsi0</c>). Storage export:
/// <c>sim-nbd://node:port/exportId?registry=&lt;export file&gt;</c>; the export file names the volume's path, so any
/// driver instance (other node, other process) can write into it.
/// </summary>
public static class SimUris
{
    public const string MigrationScheme = "sim";
    public const string NbdScheme = "sim-nbd";
    private static readonly Regex LegacyNbd = new(@"^nbd:(?:unix:[^:]+|([^:/]+):\d+)", RegexOptions.Compiled);
    private static readonly Regex Tcp = new(@"^(?:tcp|rdma):\[?([^\]]+?)\]?:\d+$", RegexOptions.Compiled);

    public static string Incoming(string node, int vmid, int port) => $"{MigrationScheme}://{node}/{vmid}/{port}";

    public static string VmNbd(string node, int port) => $"{NbdScheme}://{node}:{port}";

    public static string Export(string node, int port, string exportId, string registryFile) =>
        $"{NbdScheme}://{node}:{port}/{exportId}?registry={Uri.EscapeDataString(registryFile)}";

    /// <summary>The node (or host) a migration or NBD URI points at; null if none can be read.</summary>
    public static string? TargetHost(string uri)
    {
        if (Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.Scheme is MigrationScheme or NbdScheme or "nbd" or "tcp")
            return string.IsNullOrEmpty(u.Host) ? null : u.Host;
        var m = LegacyNbd.Match(uri);
        if (m.Success) return m.Groups[1].Success ? m.Groups[1].Value : null;
        m = Tcp.Match(uri);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>The export file named by a storage-export URI; null for other URIs.</summary>
    public static string? RegistryFile(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || u.Scheme != NbdScheme) return null;
        foreach (var part in u.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq] == "registry") return Uri.UnescapeDataString(part[(eq + 1)..]);
        }
        return null;
    }
}
