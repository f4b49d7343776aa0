using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>Real live migrations between two node drivers (node1 run dir → node2 run dir) over tcp:127.0.0.1.</summary>
public sealed class MigrationTests(ITestOutputHelper output)
{
    internal static async Task<MigrationProgress> WaitFinalAsync(QemuHypervisorDriver hv, int vmid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var p = await hv.QueryMigrationAsync(vmid);
            if (p.IsFinal) return p;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"migration of {vmid} still {p.Status} after {timeout}");
            await Task.Delay(200);
        }
    }

    /// <summary>QMP commands the drivers sent since event <paramref name="mark"/> of the log.</summary>
    private static List<string> QmpCommands(TestEnv env, int mark) =>
        env.Logs.Events.Skip(mark).Where(e => e.MessageTemplate.Text == QmpSessions.CommandTemplate)
            .Select(e => e.Properties["Command"].ToString().Trim('"')).ToList();

    [Fact]
    public async Task Live_migration_moves_the_running_guest_to_node2()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var n1 = env.AddNode("node1");
        var n2 = env.AddNode("node2");
        var spec = Specs.Guest(140, "src", nics: [new NicLaunch("net0", "virtio", "BC:24:11:00:01:40")]);

        var src = await n1.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, 140, 3);

        var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst"));
        Assert.Equal(VmRunState.InMigrate, dst.State);
        Assert.Equal(src.RunningMachine, dst.RunningMachine);
        Assert.StartsWith("tcp:127.0.0.1:", dst.IncomingUri);
        Assert.InRange(int.Parse(dst.IncomingUri!.Split(':')[2]), n2.Settings.PortRangeStart, n2.Settings.PortRangeEnd);

        // No outgoing migration yet: None, and QEMU is not asked.
        var mark = env.Logs.Events.Count;
        Assert.Equal(MigrationState.None, (await n1.Hypervisor.QueryMigrationAsync(140)).Status);
        Assert.Empty(QmpCommands(env, mark));
        await n1.Hypervisor.StartMigrationAsync(140, new MigrationStartSpec(dst.IncomingUri!, null, 100, true));
        var done = await WaitFinalAsync(n1.Qemu, 140, TimeSpan.FromSeconds(90));
        Assert.Equal(MigrationState.Completed, done.Status);
        Assert.NotNull(done.DowntimeMs);
        Assert.InRange(done.DowntimeMs!.Value, 0, 5000);
        Assert.True(done.TotalBytes > 200L << 20, $"ram total {done.TotalBytes}");
        Assert.True(done.TransferredBytes > 0);
        Assert.Equal(VmRunState.PostMigrate, (await n1.Hypervisor.GetAsync(140)).State);
        var lastOnSource = GuestConsole.LastHeartbeat(n1.Qemu, 140);
        output.WriteLine($"migration: {done.TotalTimeMs} ms total, downtime {done.DowntimeMs} ms, last source heartbeat {lastOnSource}");

        await n2.Hypervisor.ResumeAsync(140);
        await n1.Hypervisor.StopAsync(140);

        // Exactly one QEMU is left, and it is node2's.
        var live = env.LiveQemuPids();
        Assert.Equal([dst.Pid!.Value], live);
        Assert.Equal(VmRunState.Stopped, (await n1.Hypervisor.GetAsync(140)).State);
        Assert.Equal(VmRunState.Running, (await n2.Hypervisor.GetAsync(140)).State);

        // The guest keeps counting on the target: no reboot, no gap back to zero.
        var log = await GuestConsole.WaitForHeartbeatAsync(n2.Qemu, 140, lastOnSource + 5, TimeSpan.FromSeconds(30));
        var beats = GuestConsole.Heartbeats(log);
        Assert.InRange(beats[0], lastOnSource, lastOnSource + 3);
        Assert.True(beats.Zip(beats.Skip(1)).All(p => p.Second == p.First + 1), "heartbeats on target not consecutive: " + string.Join(',', beats));
        Assert.DoesNotContain("am-guest boot", log);

        // And back: a VM that was migrated in reports its incoming "completed" until the new outgoing
        // migration connects; the driver must not mistake that for the end of the new one.
        var back = await n1.Hypervisor.StartAsync(Specs.Incoming(spec, dst.RunningMachine!, "back"));
        await n2.Hypervisor.StartMigrationAsync(140, new MigrationStartSpec(back.IncomingUri!, 512L << 20, 100, false));
        var first = await n2.Hypervisor.QueryMigrationAsync(140);
        // The stale incoming "completed" has no RAM figures; a completed answer must be this (fast) migration's own.
        Assert.True(first.Status != MigrationState.Completed || first.TransferredBytes > 0, $"stale incoming status taken: {first}");
        // Woken by QEMU's MIGRATION event, not by the end of the wait (the guest moves in a few seconds).
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var returned = await n2.Hypervisor.WaitMigrationAsync(140, TimeSpan.FromSeconds(90));
        Assert.Equal(MigrationState.Completed, returned.Status);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"the wait ran out ({waited.Elapsed}) instead of ending with the migration");
        Assert.True(returned.TransferredBytes > 0 && returned.TotalBytes > 0, $"no RAM moved: {returned}");
        Assert.Equal(VmRunState.PostMigrate, (await n2.Hypervisor.GetAsync(140)).State);
        var lastOnNode2 = GuestConsole.LastHeartbeat(n2.Qemu, 140);
        await n1.Hypervisor.ResumeAsync(140);
        await n2.Hypervisor.StopAsync(140);
        Assert.Equal([back.Pid!.Value], env.LiveQemuPids());
        var backLog = await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, 140, lastOnNode2 + 3, TimeSpan.FromSeconds(30));
        Assert.InRange(GuestConsole.Heartbeats(backLog)[0], lastOnNode2, lastOnNode2 + 3);
    }

    [Fact]
    public async Task Live_migration_with_a_local_disk_mirrors_it_over_nbd()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var n1 = env.AddNode("node1");
        var n2 = env.AddNode("node2");
        const string volid = "local:141/vm-141-disk-0.qcow2";
        var srcVol = await n1.Storage.CreateAsync(volid, "qcow2", 64L << 20);
        var spec = Specs.Guest(141, "src", [Specs.Disk("scsi0", srcVol.Path, "qcow2", srcVol.VirtualSize)]);

        var src = await n1.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForLineAsync(n1.Qemu, 141, "disk mounted /dev/sda");
        var marker = $"marker-{Guid.NewGuid():N}";
        await GuestConsole.RunAsync(n1.Qemu, 141, $"echo {marker} > /mnt/disk/marker; sync");

        // Target: its own (empty) volume on node2, exported over NBD while waiting for the RAM stream.
        var dstVol = await n2.Storage.CreateAsync(volid, "qcow2", 64L << 20);
        Assert.NotEqual(srcVol.Path, dstVol.Path);
        var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst",
            [Specs.Disk("scsi0", dstVol.Path, "qcow2", dstVol.VirtualSize)], ["scsi0"]));
        Assert.StartsWith("nbd:127.0.0.1:", dst.NbdUri);

        await n1.Hypervisor.StartMirrorAsync(141, "scsi0", new MirrorTarget($"{dst.NbdUri}:exportname=drive-scsi0", "raw"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        BlockJobInfo job;
        while (!(job = Assert.Single(await n1.Hypervisor.QueryBlockJobsAsync(141))).Ready)
        {
            Assert.True(DateTime.UtcNow < deadline, $"mirror not ready: {job}");
            await Task.Delay(200);
        }
        Assert.Equal("scsi0", job.Device);
        Assert.Equal("mirror", job.Type);
        Assert.Equal(job.Length, job.Offset);

        await n1.Hypervisor.StartMigrationAsync(141, new MigrationStartSpec(dst.IncomingUri!, null, 100, true));
        var done = await WaitFinalAsync(n1.Qemu, 141, TimeSpan.FromSeconds(90));
        Assert.Equal(MigrationState.Completed, done.Status);

        // As Proxmox does at switchover: cancel the ready mirror (target stays consistent), stop NBD, resume.
        // The caller checked the job: one command, and the end comes from QEMU's event (no query-block-jobs).
        var mark = env.Logs.Events.Count;
        await n1.Hypervisor.FinishMirrorAsync(141, "scsi0", pivot: false);
        Assert.Equal(["block-job-cancel"], QmpCommands(env, mark));
        Assert.Empty(await n1.Hypervisor.QueryBlockJobsAsync(141));
        await n2.Hypervisor.StopNbdServerAsync(141);
        await n2.Hypervisor.StopNbdServerAsync(141);

        // Both volumes hold the same data before the source goes away (nobody writes: source is
        // post-migrate, target still paused).
        var (rc, text) = await Images.CompareAsync(srcVol.Path, dstVol.Path);
        Assert.True(rc == 0, $"qemu-img compare: {text}");
        Assert.Contains("identical", text);

        await n2.Hypervisor.ResumeAsync(141);
        await n1.Hypervisor.StopAsync(141);
        await n1.Storage.DeleteAsync(volid);
        Assert.Null(await n1.Storage.InfoAsync(volid));
        Assert.Equal([dst.Pid!.Value], env.LiveQemuPids());

        var lines = await GuestConsole.RunAsync(n2.Qemu, 141, "cat /mnt/disk/marker");
        Assert.Contains(marker, lines);
    }
}
