using System.Text.RegularExpressions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// URIs of the simulation. Incoming migration: <c>sim://node/vmid/port?received=&lt;mark file&gt;</c>. NBD server of an incoming VM:
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

    /// <summary>
    /// <paramref name="receivedFile"/>: where the source marks the migration complete, as QEMU's stream tells the target
    /// (the simulation has no stream; any driver instance on this host can write the file).
    /// </summary>
    public static string Incoming(string node, int vmid, int port, string receivedFile) =>
        $"{MigrationScheme}://{node}/{vmid}/{port}?received={Uri.EscapeDataString(receivedFile)}";

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
    public static string? RegistryFile(string uri) => QueryValue(uri, NbdScheme, "registry");

    /// <summary>The file an incoming migration URI names for its completion mark; null for other URIs.</summary>
    public static string? ReceivedFile(string uri) => QueryValue(uri, MigrationScheme, "received");

    private static string? QueryValue(string uri, string scheme, string key)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || u.Scheme != scheme) return null;
        foreach (var part in u.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq] == key) return Uri.UnescapeDataString(part[(eq + 1)..]);
        }
        return null;
    }
}
