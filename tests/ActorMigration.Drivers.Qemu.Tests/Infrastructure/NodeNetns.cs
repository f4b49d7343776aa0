namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>Network namespaces of test nodes (name prefix <c>amnet-&lt;pid&gt;-</c>) with a <c>vmbr0</c> bridge.</summary>
public static class NodeNetns
{
    /// <summary>Runs a host command; throws with its output when it fails.</summary>
    public static async Task<string> Run(params string[] argv)
    {
        var (exit, o, e) = await QemuHost.Run(argv[0], argv[1..]);
        if (exit != 0) throw new InvalidOperationException($"{string.Join(' ', argv)}: exit {exit}: {e}{o}");
        return o;
    }

    /// <summary>A namespace with lo and vmbr0 up; <paramref name="address"/> (a /24) on vmbr0 when given.</summary>
    public static async Task CreateAsync(string ns, string? address = null)
    {
        await Run("ip", "netns", "add", ns);
        await Run("ip", "-n", ns, "link", "set", "lo", "up");
        await Run("ip", "-n", ns, "link", "add", "vmbr0", "type", "bridge");
        if (address is not null) await Run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "vmbr0");
        await Run("ip", "-n", ns, "link", "set", "vmbr0", "up");
    }

    /// <summary>Deletes the namespaces (ignoring ones that are gone).</summary>
    public static async Task DeleteAsync(params string[] names)
    {
        foreach (var ns in names) await QemuHost.Run("ip", "netns", "del", ns);
    }
}
