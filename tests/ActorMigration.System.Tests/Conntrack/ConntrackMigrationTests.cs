using System.Diagnostics;

namespace ActorMigration.SystemTests.Conntrack;

/// <summary>
/// The conntrack-transfer phase with the real conntrack tool: each node's host network is a network namespace
/// of its own; the VM's entries (ct mark = vmid) move from node1's table to node2's, and only those.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class ConntrackMigrationTests : IAsyncLifetime
{
    private readonly string _ns1 = $"am-e2e-{Environment.ProcessId}-n1";
    private readonly string _ns2 = $"am-e2e-{Environment.ProcessId}-n2";

    private static async Task<string> Run(params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv[1..]) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', argv)} exited {p.ExitCode}: {stderr}");
        return stdout;
    }

    private Task<string> Conntrack(string ns, params string[] args) => Run(["ip", "netns", "exec", ns, "conntrack", .. args]);

    private async Task<IReadOnlyList<string>> Marked(string ns, int mark) =>
        (await Conntrack(ns, "-L", "-m", mark.ToString())).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public async Task InitializeAsync()
    {
        foreach (var ns in new[] { _ns1, _ns2 })
        {
            await Run("ip", "netns", "add", ns);
            await Run("ip", "-n", ns, "link", "set", "lo", "up");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var ns in new[] { _ns1, _ns2 })
            try { await Run("ip", "netns", "del", ns); } catch (InvalidOperationException) { }
    }

    [Fact]
    public async Task A_live_migration_with_conntrack_state_moves_the_vms_entries_to_the_target()
    {
        const int vmid = 140;
        // Entries of this VM, and one of another VM that must stay.
        await Conntrack(_ns1, "-I", "-p", "tcp", "-s", "192.0.2.10", "-d", "198.51.100.7", "--sport", "40001", "--dport", "443",
            "--state", "ESTABLISHED", "-t", "3600", "-u", "SEEN_REPLY,ASSURED", "-m", vmid.ToString());
        await Conntrack(_ns1, "-I", "-p", "udp", "-s", "192.0.2.10", "-d", "198.51.100.53", "--sport", "40002", "--dport", "53",
            "-t", "120", "-m", vmid.ToString());
        await Conntrack(_ns1, "-I", "-p", "tcp", "-s", "192.0.2.99", "-d", "198.51.100.7", "--sport", "40003", "--dport", "22",
            "--state", "ESTABLISHED", "-t", "3600", "-u", "SEEN_REPLY,ASSURED", "-m", "999");

        var guest = await GuestImageFixture.GetAsync();
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["AM_DRIVER"] = "qemu",
            ["AM_TEST_KERNEL"] = guest,
            ["AM_NODE_NODE1_NETNS"] = _ns1,
            ["AM_NODE_NODE2_NETNS"] = _ns2,
        });
        var c = server.Client;
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "256"), ("start", "1"))),
            TimeSpan.FromSeconds(120)));

        var upid = await c.Upid(c.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-conntrack-state", "1")));
        Assert.Equal("OK", await c.Wait(upid, TimeSpan.FromSeconds(180)));

        var log = await c.Log(upid);
        Assert.Contains(log, l => l.EndsWith("migrated 2 conntrack state entries"));
        var moved = await Marked(_ns2, vmid);
        Assert.Equal(2, moved.Count);
        Assert.Contains(moved, l => l.Contains("dport=443") && l.Contains("ESTABLISHED"));
        Assert.Contains(moved, l => l.Contains("dport=53"));
        Assert.Empty(await Marked(_ns1, vmid));
        Assert.Single(await Marked(_ns1, 999));
        Assert.Empty(await Marked(_ns2, 999));

        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/node2/qemu/{vmid}/status/stop"))));
    }
}
