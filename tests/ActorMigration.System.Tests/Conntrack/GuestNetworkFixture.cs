using System.Diagnostics;

namespace ActorMigration.SystemTests.Conntrack;

/// <summary>
/// Two node namespaces (node1, node2) with vmbr0, both linked to a peer namespace whose vmbr0 is the switch between
/// them, each node behind a stateful forward firewall that drops packets of unknown connections; a peer process that
/// sends a counter line every 200 ms to whoever connects; one real-QEMU member whose node1 and node2 run their QEMUs,
/// their conntrack tables and their migration addresses in their namespaces.
/// </summary>
public sealed class GuestNetworkFixture : IAsyncLifetime
{
    public const string PeerAddress = "10.97.0.100";
    public const int PeerPort = 7000;
    public static readonly string[] NodeAddresses = ["10.97.0.1", "10.97.0.2"];

    /// <summary>
    /// The node firewall: invalid packets (without a conntrack entry, as <c>nf_conntrack_tcp_loose=0</c> makes mid-stream ones)
    /// are counted and dropped.
    /// </summary>
    public const string FirewallTable = "am_test_filter";

    private const string FirewallRules = $$"""
        table inet {{FirewallTable}} {
            chain forward {
                type filter hook forward priority 10; policy drop;
                ct state invalid counter drop
                ct state established,related accept
                ct state new accept
            }
        }
        """;

    // One connection at a time; each gets "count <n>" lines every 200 ms until it breaks.
    private const string PeerScript = """
        import socket, sys, time
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2])))
        s.listen(4)
        while True:
            c, _ = s.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            n = 0
            try:
                while True:
                    c.sendall(b"count %d\n" % n)
                    n += 1
                    time.sleep(0.2)
            except OSError:
                c.close()
        """;

    private readonly NodeNetworks _networks = new();
    private Process? _peer;

    public MemberProcess Member { get; private set; } = null!;
    public IReadOnlyList<string> NodeNamespaces { get; private set; } = [];

    /// <summary>The namespace of <paramref name="node"/> (node1 or node2).</summary>
    public string Netns(string node) => NodeNamespaces[node == "node1" ? 0 : 1];

    public async Task InitializeAsync()
    {
        try
        {
            var peer = await _networks.AddAsync("ctpeer", PeerAddress);
            var n1 = await _networks.AddAsync("ctn1", NodeAddresses[0]);
            var n2 = await _networks.AddAsync("ctn2", NodeAddresses[1]);
            NodeNamespaces = [n1, n2];
            // The peer's vmbr0 gets one veth to each node's (amv-a/amv-b on either side of each pair).
            await NodeNetworks.LinkBridgesAsync(peer, n1);
            await NodeNetworks.LinkBridgesAsync(n2, peer);
            foreach (var ns in NodeNamespaces)
            {
                await NodeNetworks.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1");
                await NodeNetworks.Run("ip", "netns", "exec", ns, "nft", "-f", await RulesFileAsync());
                // Only after nft: the sysctl exists once conntrack tracks this namespace.
                await NodeNetworks.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_loose=0");
            }
            _peer = StartPeer(peer);

            var env = new Dictionary<string, string>();
            for (var i = 0; i < 2; i++)
            {
                var node = $"AM_NODE_NODE{i + 1}_";
                env[node + "VM_NETNS"] = NodeNamespaces[i];
                env[node + "NETNS"] = NodeNamespaces[i];
                env[node + "ADDRESS"] = NodeAddresses[i];
            }
            Member = await QemuEnv.CreateMemberAsync(env);
            await Member.StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Member is not null) await Member.DisposeAsync();
        if (_peer is { } p)
        {
            try { p.Kill(); } catch (InvalidOperationException) { }
            await p.WaitForExitAsync();
            p.Dispose();
        }
        await _networks.DisposeAsync();
    }

    /// <summary>The node's conntrack entry (a conntrack -L line) with ct mark <paramref name="mark"/> of a connection to the peer, or null.</summary>
    public async Task<string?> PeerConnectionAsync(string node, int mark) =>
        (await NodeNetworks.Run("ip", "netns", "exec", Netns(node), "conntrack", "-L", "-m", mark.ToString()))
        .Split('\n', StringSplitOptions.RemoveEmptyEntries).SingleOrDefault(l => l.Contains($"dst={PeerAddress} sport=") && l.Contains($"dport={PeerPort} "));

    /// <summary>How many packets the node's firewall dropped as invalid.</summary>
    public async Task<long> InvalidDropsAsync(string node)
    {
        var chain = await NodeNetworks.Run("ip", "netns", "exec", Netns(node), "nft", "list", "chain", "inet", FirewallTable, "forward");
        var line = chain.Split('\n').Single(l => l.Contains("ct state invalid counter"));
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(words[Array.IndexOf(words, "packets") + 1]);
    }

    private static async Task<string> RulesFileAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"am-ctfw-{Environment.ProcessId}.nft");
        await File.WriteAllTextAsync(path, FirewallRules);
        return path;
    }

    private static Process StartPeer(string ns)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, "python3", "-c", PeerScript, PeerAddress, PeerPort.ToString() }) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}
