namespace ActorMigration.TestSupport;

/// <summary>
/// Network namespaces of test nodes, each with a <c>vmbr0</c> bridge (and an address on it when given), named
/// <c>amnet-&lt;pid&gt;-&lt;tag&gt;</c>. Bridges of two namespaces can be linked by a veth pair made inside them, so
/// nothing touches the host's own network. Dispose deletes every namespace it created.
/// </summary>
public sealed class NodeNetworks : IAsyncDisposable
{
    private readonly List<string> _created = [];

    /// <summary>The namespace name of <paramref name="tag"/> for this test process.</summary>
    public static string NameFor(string tag) => $"amnet-{Environment.ProcessId}-{tag}";

    /// <summary>The namespaces this instance created, in order.</summary>
    public IReadOnlyList<string> Names => _created;

    /// <summary>Creates namespace <see cref="NameFor"/>(<paramref name="tag"/>) with vmbr0 up (and <paramref name="address"/>/24 on it).</summary>
    public async Task<string> AddAsync(string tag, string? address = null)
    {
        var ns = NameFor(tag);
        await DeleteAsync(ns); // a leftover of a crashed run with the same pid
        _created.Add(ns);
        await CreateAsync(ns, address);
        return ns;
    }

    /// <summary>
    /// Links vmbr0 of two namespaces with a veth pair (<c>amv-a</c> in <paramref name="ns1"/>, <c>amv-b</c> in
    /// <paramref name="ns2"/>), so the two bridges form one layer-2 segment.
    /// </summary>
    public static async Task LinkBridgesAsync(string ns1, string ns2, string bridge = "vmbr0")
    {
        await Run("ip", "-n", ns1, "link", "add", "amv-a", "type", "veth", "peer", "name", "amv-b", "netns", ns2);
        await Run("ip", "-n", ns1, "link", "set", "amv-a", "master", bridge, "up");
        await Run("ip", "-n", ns2, "link", "set", "amv-b", "master", bridge, "up");
    }

    /// <summary>The names of the ports of <paramref name="bridge"/> in <paramref name="ns"/>.</summary>
    public static async Task<IReadOnlyList<string>> BridgePortsAsync(string ns, string bridge = "vmbr0")
    {
        var lines = await Run("ip", "-n", ns, "-o", "link", "show", "master", bridge);
        // "12: tap100i0@if3: <...>" or "12: tap100i0: <...>"
        return lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':')[1].Trim().Split('@')[0])
            .ToList();
    }

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

    public async ValueTask DisposeAsync()
    {
        await DeleteAsync([.. _created]);
        _created.Clear();
    }
}
