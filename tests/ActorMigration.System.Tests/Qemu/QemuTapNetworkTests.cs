using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// Tap networking through the API: one member hosts node1 and node2, each with its own VM network namespace
/// (AM_NODE_&lt;N&gt;_VM_NETNS) holding vmbr0 with the node's address (AM_NODE_&lt;N&gt;_ADDRESS, the migration network);
/// a veth pair links the two bridges. Nothing touches the host's own network.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuTapNetworkTests(ITestOutputHelper output)
{
    private const string Node1Address = "10.97.0.1", Node2Address = "10.97.0.2";

    private static async Task<string> Ping(MemberProcess m, string node, int vmid, string address) =>
        string.Join('\n', await GuestConsole.RunAsync(m.DataDir, node, vmid,
            $"ping -c 1 -W 3 {address} >/dev/null && echo ping-ok || echo ping-failed"));

    private static async Task OfflineCopyAsync(MemberProcess m)
    {
        const int vmid = 243;
        await QemuVms.CreateAsync(m.Client, "node1", vmid, 256, start: false, ("scsi0", "local:1"));
        var upid = await m.Client.Upid(m.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        await QemuVms.WaitOk(m, upid);
        Assert.Contains($"nbd://{Node2Address}:", m.ReadLog());
        Assert.True(File.Exists(QemuHost.PathOf(m.DataDir, "node2", $"local:{vmid}/vm-{vmid}-disk-0.qcow2")));
    }

    [Fact]
    public async Task Two_vms_on_a_bridge_keep_pinging_after_one_live_migrates_to_the_other_nodes_namespace()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var nets = new NodeNetworks();
        var ns1 = await nets.AddAsync("n1", Node1Address);
        var ns2 = await nets.AddAsync("n2", Node2Address);
        await NodeNetworks.LinkBridgesAsync(ns1, ns2);
        await using var m = await QemuEnv.CreateMemberAsync(new Dictionary<string, string>
        {
            ["AM_NODE_NODE1_VM_NETNS"] = ns1, ["AM_NODE_NODE1_ADDRESS"] = Node1Address,
            ["AM_NODE_NODE2_VM_NETNS"] = ns2, ["AM_NODE_NODE2_ADDRESS"] = Node2Address,
        });
        await m.StartAsync();
        output.WriteLine($"{clock.Elapsed}: member up");
        const int a = 241, b = 242;
        try
        {
            // QemuVms.CreateAsync gives each VM net0: virtio,bridge=vmbr0.
            await Task.WhenAll(QemuVms.CreateAsync(m.Client, "node1", a, 256, start: true),
                QemuVms.CreateAsync(m.Client, "node1", b, 256, start: true, ("scsi0", "local:1")));
            Assert.Equal(["tap241i0", "tap242i0"], (await NodeNetworks.BridgePortsAsync(ns1)).Where(p => p.StartsWith("tap")).Order());
            output.WriteLine($"{clock.Elapsed}: started");
            // Meanwhile an offline migration copies a stopped VM's local disk between the namespaces: node2's qemu-nbd export
            // listens on node2's address and node1's qemu-img writes into it, both in their node's namespace.
            await Task.WhenAll(GuestConsole.WaitForSettledAsync(m.DataDir, "node1", a), GuestConsole.WaitForSettledAsync(m.DataDir, "node1", b),
                OfflineCopyAsync(m));
            output.WriteLine($"{clock.Elapsed}: settled");
            await GuestConsole.RunAsync(m.DataDir, "node1", a, "ip link set eth0 up; ip addr add 10.97.0.41/24 dev eth0");
            await GuestConsole.RunAsync(m.DataDir, "node1", b, "ip link set eth0 up; ip addr add 10.97.0.42/24 dev eth0");
            Assert.Equal("ping-ok", await Ping(m, "node1", a, "10.97.0.42"));

            var upid = await m.Client.Upid(m.Client.Post($"/nodes/node1/qemu/{b}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
            output.WriteLine($"{clock.Elapsed}: migrating");
            var log = await QemuVms.WaitOk(m, upid);
            output.WriteLine(string.Join('\n', log));
            output.WriteLine($"{clock.Elapsed}: migrated");
            QemuVms.AssertOneQemuOn(m, b, "node2");

            // The target QEMU listened on node2's address inside node2's namespace, for the stream and (its NBD server) for
            // the mirror of the local disk; the tap moved with the VM.
            Assert.Contains($"tcp:{Node2Address}:", QemuHost.QemuCommandLine(m.DataDir, "node2", b));
            Assert.Contains(log, l => l.Contains("all 'mirror' jobs are ready"));
            Assert.Contains($"at nbd:{Node2Address}:", m.ReadLog());
            Assert.Equal(["tap242i0"], (await NodeNetworks.BridgePortsAsync(ns2)).Where(p => p.StartsWith("tap")));
            Assert.Equal(["tap241i0"], (await NodeNetworks.BridgePortsAsync(ns1)).Where(p => p.StartsWith("tap")));
            Assert.Equal("ping-ok", await Ping(m, "node2", b, "10.97.0.41"));
            Assert.Equal("ping-ok", await Ping(m, "node1", a, "10.97.0.42"));
            output.WriteLine($"{clock.Elapsed}: pinged");
        }
        finally
        {
            await QemuVms.StopQuietly(m, a);
            await QemuVms.StopQuietly(m, b);
        }
    }
}
