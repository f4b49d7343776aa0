using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Conntrack;
using ActorMigration.Drivers.Qemu.Node;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

public sealed class NodeDriverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Factory_builds_qemu_nodes_with_facts_and_a_logged_accelerator_choice()
    {
        await using var env = await TestEnv.CreateAsync(output);
        INodeDriverFactory factory = new QemuNodeDriverFactory(env.Options, env.Logs.Loggers);
        Assert.Equal("qemu", factory.Name);
        var settings = env.SettingsFor("facts1") with { CpuVendor = null, Version = null };
        await using var node = factory.Create(settings);
        Assert.IsType<QemuNodeDriver>(node);
        Assert.IsType<NoConntrackDriver>(node.Conntrack);
        Assert.Empty(await node.Conntrack.DumpAsync(100));

        var facts = await node.GetFactsAsync();
        Assert.Equal("facts1", facts.Node);
        Assert.Equal("127.0.0.1", facts.Address);
        Assert.Equal(QemuNodeDriver.DefaultVersion, facts.Version);
        var vendor = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("vendor_id")).Split(':')[1].Trim();
        Assert.Equal(vendor, facts.CpuVendor);
        Assert.Equal(Environment.ProcessorCount, facts.MaxCpu);
        Assert.True(facts.MaxMem > 1L << 30);
        if (!File.Exists("/dev/kvm")) Assert.Equal("tcg", facts.Accelerator);
        else Assert.Contains(facts.Accelerator, new[] { "kvm", "tcg" });

        var logged = Assert.Single(env.Logs.WithTemplate("Accelerator for {Node}: {Accel} ({Reason})"));
        Assert.Equal("\"facts1\"", logged.Properties["Node"].ToString());
        Assert.Equal($"\"{facts.Accelerator}\"", logged.Properties["Accel"].ToString());

        var overridden = await factory.Create(env.SettingsFor("facts2") with { CpuVendor = "AuthenticAMD", Version = "8.2.4" }).GetFactsAsync();
        Assert.Equal("AuthenticAMD", overridden.CpuVendor);
        Assert.Equal("8.2.4", overridden.Version);
    }

    [Fact]
    public async Task Ports_for_incoming_nbd_and_exports_never_collide()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var node = env.AddNode("ports1", ports: 9);
        var used = new List<int>();
        // Incoming VMs wait paused (-S): cheap, no guest runs.
        for (var vmid = 210; vmid < 213; vmid++)
        {
            var vol = await node.Storage.CreateAsync($"local:{vmid}/vm-{vmid}-disk-0.qcow2", "qcow2", 16L << 20);
            var spec = Specs.Guest(vmid, "in", [Specs.Disk("scsi0", vol.Path, "qcow2", vol.VirtualSize)]) with
            {
                Machine = "pc-i440fx-7.2",
                Incoming = new IncomingSpec("127.0.0.1", ["scsi0"])
            };
            var rt = await node.Hypervisor.StartAsync(spec);
            Assert.Equal(VmRunState.InMigrate, rt.State);
            used.Add(int.Parse(rt.IncomingUri!.Split(':')[2]));
            used.Add(int.Parse(rt.NbdUri!.Split(':')[2]));
        }
        // (A VM's own disk can't be exported: QEMU holds its write lock. Export a spare volume.)
        await node.Storage.CreateAsync("local:219/vm-219-disk-0.qcow2", "qcow2", 16L << 20);
        await node.Storage.CreateAsync("local:219/vm-219-disk-1.qcow2", "qcow2", 16L << 20);
        var export = await node.Storage.ExportAsync("local:219/vm-219-disk-0.qcow2", writable: false);
        used.Add(int.Parse(export.Uri.Split(':')[2].Split('/')[0]));

        Assert.Equal(used.Count, used.Distinct().Count());
        Assert.All(used, p => Assert.InRange(p, node.Settings.PortRangeStart, node.Settings.PortRangeEnd));

        // 7 of 9 held: two more incoming VMs need 4 → the second must fail cleanly, leaving nothing behind.
        var vol2 = await node.Storage.CreateAsync("local:213/vm-213-disk-0.qcow2", "qcow2", 16L << 20);
        var more = Specs.Guest(213, "in", [Specs.Disk("scsi0", vol2.Path, "qcow2", vol2.VirtualSize)]) with
        {
            Machine = "pc-i440fx-7.2",
            Incoming = new IncomingSpec("127.0.0.1", ["scsi0"])
        };
        await node.Hypervisor.StartAsync(more);
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Hypervisor.StartAsync(more with { VmId = 214, Tag = "x" }));
        Assert.Equal(VmRunState.Stopped, (await node.Hypervisor.GetAsync(214)).State);

        // A new driver instance (member restart) reserves the ports of what still runs.
        await node.DisposeAsync();
        var again = env.Reopen(node.Settings);
        var full = await Assert.ThrowsAsync<InvalidOperationException>(() => again.Storage.ExportAsync("local:219/vm-219-disk-1.qcow2", false));
        Assert.Contains("no free port", full.Message);
        await again.Storage.CloseExportAsync(export.ExportId);
        var reused = await again.Storage.ExportAsync("local:219/vm-219-disk-1.qcow2", false);
        Assert.Equal(export.Uri.Split('/')[2], reused.Uri.Split('/')[2]);
        await again.Storage.CloseExportAsync(reused.ExportId);
        foreach (var vmid in new[] { 210, 211, 212, 213 }) await again.Hypervisor.StopAsync(vmid);
        Assert.Empty(env.LiveQemuPids());
    }
}
