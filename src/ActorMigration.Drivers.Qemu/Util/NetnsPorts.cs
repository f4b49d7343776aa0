using System.Diagnostics;
using System.Globalization;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Qemu.Util;

/// <summary>
/// The node's port allocator. With a VM namespace its QEMUs listen there (on the node's address, which may exist only
/// there), so a port is free when no TCP socket of that namespace has it: the member cannot bind there to probe.
/// </summary>
public static class NetnsPorts
{
    /// <summary>The allocator of <paramref name="settings"/>' port range, probing where the node's listeners run.</summary>
    public static PortAllocator AllocatorFor(NodeSettings settings) =>
        new(settings.Address, settings.PortRangeStart, settings.PortRangeEnd,
            settings.VmNetns is { } ns ? () => InUse(ns) : null);

    /// <summary>The local ports of every TCP socket in namespace <paramref name="ns"/> (/proc/net/tcp and tcp6 read there).</summary>
    public static IReadOnlySet<int> InUse(string ns)
    {
        // Synchronous (PortAllocator.Acquire is), hence not ProcessRunner.
        var (file, args) = NetnsCommand.Wrap(ns, "cat", ["/proc/net/tcp", "/proc/net/tcp6"]);
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var text = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(10_000)) p.Kill();
        if (p.ExitCode != 0) throw new InvalidOperationException($"cannot list the TCP ports of namespace '{ns}': {stderr.Result.Trim()}");
        return LocalPorts(text);
    }

    /// <summary>The local ports in /proc/net/tcp text ("  0: 0100007F:1F90 00000000:0000 0A ...", header lines skipped).</summary>
    public static IReadOnlySet<int> LocalPorts(string procNetTcp)
    {
        var ports = new HashSet<int>();
        foreach (var line in procNetTcp.Split('\n'))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length < 2 || !cols[0].EndsWith(':')) continue;
            var colon = cols[1].LastIndexOf(':');
            if (colon > 0 && int.TryParse(cols[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
                ports.Add(port);
        }
        return ports;
    }
}
