using System.Diagnostics;
using ActorMigration.SystemTests.Qemu;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Conntrack;

/// <summary>
/// A guest's real TCP connection to a peer in another namespace, under node firewalls that drop packets of unknown
/// connections: it survives a live migration with <c>with-conntrack-state=1</c> (its entry moves with the VM) and
/// stalls after one without (the target's firewall drops its packets as invalid).
/// </summary>
[Collection(Collections.Qemu)]
public sealed class GuestConnectionConntrackTests(GuestNetworkFixture f, ITestOutputHelper output) : IClassFixture<GuestNetworkFixture>
{
    private const int VmId = 170;
    private const string GuestAddress = "10.97.0.50";

    private MemberProcess M => f.Member;

    /// <summary>The last counter line the guest received ("count n"), -1 before the first.</summary>
    private async Task<int> LastCountAsync(string node)
    {
        var lines = await GuestConsole.RunAsync(M.DataDir, node, VmId, "tail -n 1 /tmp/recv");
        var last = lines.LastOrDefault(l => l.StartsWith("count ", StringComparison.Ordinal));
        return last is null ? -1 : int.Parse(last["count ".Length..]);
    }

    /// <summary>Waits until the guest on <paramref name="node"/> received a counter above <paramref name="above"/>.</summary>
    private async Task<int> WaitForCountAsync(string node, int above, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        int count;
        while ((count = await LastCountAsync(node)) <= above)
        {
            Assert.True(sw.Elapsed < timeout, $"the guest on {node} received no counter above {above} in {timeout.TotalSeconds} s (last {count})");
            await Task.Delay(300);
        }
        return count;
    }

    private async Task<IReadOnlyList<string>> MigrateAsync(string from, string to, bool withConntrack)
    {
        List<(string, string)> form = [("target", to), ("online", "1")];
        if (withConntrack) form.Add(("with-conntrack-state", "1"));
        var log = await QemuVms.WaitOk(M, await M.Client.Upid(M.Client.Post($"/nodes/{from}/qemu/{VmId}/migrate", [.. form])));
        output.WriteLine(string.Join('\n', log));
        return log;
    }

    [Fact]
    public async Task A_guest_tcp_connection_survives_live_migration_with_conntrack_state_and_stalls_without()
    {
        try
        {
            await QemuVms.WaitOk(M, await M.Client.Upid(M.Client.Post("/nodes/node1/qemu", ("vmid", VmId.ToString()), ("memory", "256"),
                ("net0", "virtio=BC:24:11:00:01:70,bridge=vmbr0,firewall=1"), ("start", "1"))));
            var sw = Stopwatch.StartNew();
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", VmId, "am-guest ready");
            // The guest reads the peer's counter into /tmp/recv; stdin is the init's idle FIFO, so nc never sends EOF.
            await GuestConsole.RunAsync(M.DataDir, "node1", VmId,
                $"ip link set eth0 up; ip addr add {GuestAddress}/24 dev eth0 2>/dev/null; [ -e /tmp/recv ] || " +
                $"(nc {GuestNetworkFixture.PeerAddress} {GuestNetworkFixture.PeerPort} < /tmp/.tick > /tmp/recv 2>&1 &)");
            await WaitForCountAsync("node1", 3, TimeSpan.FromSeconds(15));
            Assert.Contains("ESTABLISHED", await f.PeerConnectionAsync("node1", VmId));
            await GuestConsole.WaitForSettledAsync(M.DataDir, "node1", VmId);
            output.WriteLine($"{sw.Elapsed.TotalSeconds:0.0} s: connected");

            // With the option the connection's entry (ct mark = vmid, set by firewall=1) moves to node2's table.
            var log = await MigrateAsync("node1", "node2", withConntrack: true);
            Assert.Contains(log, l => l.Contains("migrated ") && l.Contains(" conntrack state entr"));
            Assert.Contains("ESTABLISHED", await f.PeerConnectionAsync("node2", VmId));
            Assert.Null(await f.PeerConnectionAsync("node1", VmId));
            var atSwitch = await LastCountAsync("node2");
            var after = await WaitForCountAsync("node2", atSwitch + 3, TimeSpan.FromSeconds(20));
            output.WriteLine($"{sw.Elapsed.TotalSeconds:0.0} s: with: count {atSwitch} at the switchover, {after} after it; " +
                $"{await f.InvalidDropsAsync("node2")} invalid drops on node2");

            // Without it, node1's firewall knows nothing of the connection: the peer's packets are dropped as invalid.
            await MigrateAsync("node2", "node1", withConntrack: false);
            var stalled = await LastCountAsync("node1");
            await PveClient.Eventually(async () => await f.InvalidDropsAsync("node1") >= 2, TimeSpan.FromSeconds(15), "invalid drops on node1");
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.Equal(stalled, await LastCountAsync("node1"));
            Assert.Null(await f.PeerConnectionAsync("node1", VmId));
            output.WriteLine($"{sw.Elapsed.TotalSeconds:0.0} s: without: stalled at count {stalled}, " +
                $"{await f.InvalidDropsAsync("node1")} invalid packets dropped on node1");
        }
        finally
        {
            await QemuVms.StopQuietly(M, VmId);
        }
    }
}
