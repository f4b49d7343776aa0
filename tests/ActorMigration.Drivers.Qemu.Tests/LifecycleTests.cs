using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using ActorMigration.Drivers.Qemu.Util;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

public sealed class LifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Start_status_idempotence_pause_resume_vmgenid_and_graceful_shutdown()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var node = env.AddNode("life1");
        var hv = node.Qemu;
        var vol = "local:130/vm-130-disk-0.raw";
        var disk = await node.Storage.CreateAsync(vol, "raw", 32L << 20);
        const string genid = "3f6c1a2b-4d5e-4f60-8a9b-0c1d2e3f4a5b";
        var spec = Specs.Guest(130, "boot-1", [Specs.Disk("virtio0", disk.Path, "raw", disk.VirtualSize)], genid,
            [new NicLaunch("net0", "e1000", "BC:24:11:00:01:30")]);

        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(130)).State);
        var rt = await hv.StartAsync(spec);
        Assert.Equal(VmRunState.Running, rt.State);
        Assert.NotNull(rt.Pid);
        Assert.Equal("pc-i440fx-7.2", rt.RunningMachine);
        Assert.StartsWith("7.2", rt.RunningQemu);
        Assert.Equal("boot-1", rt.Tag);

        // QEMU is daemonized: not our child, not in our session, so it outlives this process.
        var stat = File.ReadAllText($"/proc/{rt.Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.NotEqual(Environment.ProcessId.ToString(), fields[1]); // ppid
        var ourStat = File.ReadAllText($"/proc/{Environment.ProcessId}/stat");
        Assert.NotEqual(ourStat[(ourStat.LastIndexOf(')') + 2)..].Split(' ')[3], fields[3]); // session id

        await GuestConsole.WaitForLineAsync(hv, 130, "disk mounted /dev/vda");
        await GuestConsole.WaitForHeartbeatAsync(hv, 130, 2);

        // Same tag: same process. Other tag: refused.
        var again = await hv.StartAsync(spec);
        Assert.Equal(rt.Pid, again.Pid);
        await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartAsync(spec with { Tag = "boot-2" }));

        // vmgenid: what we put on the command line is what the guest-visible device reports.
        var argv = ProcessTools.CommandLine(rt.Pid!.Value);
        Assert.Contains($"vmgenid,guid={genid},id=vmgenid0", argv);
        Assert.Equal(genid, await hv.QueryVmGenIdAsync(130), ignoreCase: true);

        await hv.PauseAsync(130);
        await hv.PauseAsync(130);
        Assert.Equal(VmRunState.Paused, (await hv.GetAsync(130)).State);
        var frozen = GuestConsole.LastHeartbeat(hv, 130);
        await Task.Delay(1000);
        Assert.Equal(frozen, GuestConsole.LastHeartbeat(hv, 130));
        await hv.ResumeAsync(130);
        await hv.ResumeAsync(130);
        Assert.Equal(VmRunState.Running, (await hv.GetAsync(130)).State);
        await GuestConsole.WaitForHeartbeatAsync(hv, 130, frozen + 2);

        // The busybox guest runs acpid: system_powerdown powers it off well before the timeout.
        var files = hv.FilesOf(130);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await hv.ShutdownAsync(130, TimeSpan.FromSeconds(30));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(25), $"shutdown took {sw.Elapsed}");
        Assert.Contains("am-guest powerdown", File.ReadAllText(files.SerialLog + ".old"));
        Assert.False(ProcessTools.IsAlive(rt.Pid.Value));
        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(130)).State);
        Assert.False(File.Exists(files.PidFile));
        Assert.False(File.Exists(files.QmpSocket));
        Assert.False(File.Exists(files.MetaFile));
        await hv.StopAsync(130); // no process: no-op
        Assert.Empty(env.LiveQemuPids());
    }

    [Fact]
    public async Task A_new_driver_instance_re_adopts_the_running_vm_and_cleans_stale_ones()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var first = env.AddNode("adopt1");
        var spec = Specs.Guest(131, "adopt-tag");
        var rt = await first.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForHeartbeatAsync(first.Qemu, 131, 2);
        Assert.Null(await first.Hypervisor.QueryVmGenIdAsync(131));

        // A stale VM dir: pidfile of a process that is gone.
        var stale = first.Qemu.FilesOf(999);
        Directory.CreateDirectory(stale.Dir);
        File.WriteAllText(stale.PidFile, "999999");
        new VmMetadata { VmId = 999, Tag = "dead", Machine = "pc-i440fx-7.2" }.Write(stale.MetaFile);

        // The member "crashes": its driver goes away without stopping anything.
        await first.DisposeAsync();
        var before = GuestConsole.LastHeartbeat(first.Qemu, 131);

        var second = env.Reopen(first.Settings);
        var found = await second.Hypervisor.DiscoverAsync();
        var vm = Assert.Single(found);
        Assert.Equal(131, vm.VmId);
        Assert.Equal(rt.Pid, vm.Pid);
        Assert.Equal("adopt-tag", vm.Tag);
        Assert.Equal(VmRunState.Running, vm.State);
        Assert.Equal(rt.RunningMachine, vm.RunningMachine);
        Assert.False(File.Exists(stale.PidFile));
        Assert.Single(env.Logs.WithTemplate("Re-adopted {VmId} on {Node}: pid {Pid}, {State}, tag {Tag}"));

        await GuestConsole.WaitForHeartbeatAsync(second.Qemu, 131, before + 3);
        Assert.Equal(rt.Pid, (await second.Hypervisor.StartAsync(spec)).Pid);

        await second.Hypervisor.StopAsync(131);
        Assert.Empty(env.LiveQemuPids());
        Assert.Equal(VmRunState.Stopped, (await second.Hypervisor.GetAsync(131)).State);
    }
}
