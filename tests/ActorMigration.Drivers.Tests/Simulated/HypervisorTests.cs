using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

public class HypervisorTests : IDisposable
{
    private readonly SimEnv _env = new(new SimulationOptions
    {
        LinkBandwidthBytesPerSec = 100 * MiB,
        ConntrackEntriesPerVm = 0
    });

    public void Dispose() => _env.Dispose();

    // 1 GiB guest dirtying 20 MiB/s: at 100 MiB/s three passes, completes at 12.78 s (see MigrationModelTests)
    private const string ModerateArgs = "-sim-dirty-rate 20M -sim-working-set 1G";
    private static readonly MigrationStartSpec ToPve2 = new("sim://pve2/100/60000", null);

    [Fact]
    public async Task Start_get_stop()
    {
        var hv = _env.Node().Hypervisor;
        var vm = await hv.StartAsync(Spec(100, tag: "t1"));
        Assert.Equal(VmRunState.Running, vm.State);
        Assert.NotNull(vm.Pid);
        Assert.Equal("t1", vm.Tag);
        Assert.Null(vm.IncomingUri);
        Assert.True(File.Exists(Path.Combine(_env.Settings("pve1").RunDir, "sim", "vms", "100.json")));

        _env.Clock.AdvanceSeconds(30);
        Assert.Equal(30, (await hv.GetAsync(100)).UptimeSeconds);

        await hv.StopAsync(100);
        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(100)).State);
        await hv.StopAsync(100); // no-op
        Assert.Empty(await hv.DiscoverAsync());
    }

    [Fact]
    public async Task Start_is_idempotent_for_the_same_tag_only()
    {
        var hv = _env.Node().Hypervisor;
        var first = await hv.StartAsync(Spec(100, tag: "mig-1", incoming: new IncomingSpec("127.0.0.1", [])));
        var again = await hv.StartAsync(Spec(100, tag: "mig-1", incoming: new IncomingSpec("127.0.0.1", [])));
        Assert.Equal(first.Pid, again.Pid);
        Assert.Equal(first.IncomingUri, again.IncomingUri);

        await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartAsync(Spec(100, tag: "other")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartAsync(Spec(100)));
    }

    [Fact]
    public async Task Start_fails_like_qemu_when_a_disk_is_missing()
    {
        var hv = _env.Node().Hypervisor;
        var disk = new DiskLaunch("scsi0", "scsi", 0, Path.Combine(_env.Root, "nope.raw"), "raw", false, false, 1024);
        await Assert.ThrowsAsync<FileNotFoundException>(() => hv.StartAsync(Spec(100, disks: [disk])));
        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(100)).State);
    }

    [Fact]
    public async Task Incoming_vm_waits_in_inmigrate_until_resumed()
    {
        var hv = _env.Node("pve2").Hypervisor;
        var vm = await hv.StartAsync(Spec(100, incoming: new IncomingSpec("0.0.0.0", ["scsi0"])));
        Assert.Equal(VmRunState.InMigrate, vm.State);
        Assert.Matches(@"^sim://pve2/100/600\d\d\?received=", vm.IncomingUri);
        Assert.Matches(@"^sim-nbd://pve2:600\d\d$", vm.NbdUri);

        await hv.StopNbdServerAsync(100);
        Assert.Null((await hv.GetAsync(100)).NbdUri);

        await hv.ResumeAsync(100);
        var running = await hv.GetAsync(100);
        Assert.Equal(VmRunState.Running, running.State);
        Assert.Null(running.IncomingUri);
        await hv.ResumeAsync(100); // no-op
        Assert.Equal(VmRunState.Running, (await hv.GetAsync(100)).State);
    }

    [Fact]
    public async Task Ports_and_uris_are_unique_also_after_a_restart()
    {
        var node = _env.Node("pve2");
        var uris = new List<string>();
        for (var vmid = 100; vmid < 103; vmid++)
        {
            var vm = await node.Hypervisor.StartAsync(Spec(vmid, incoming: new IncomingSpec("0.0.0.0", ["scsi0"])));
            uris.Add(vm.IncomingUri!);
            uris.Add(vm.NbdUri!);
        }
        var export = await node.Storage.ExportAsync(await CreateVolume(node, "local:100/vm-100-disk-0.raw"), true);
        uris.Add(export.Uri);

        // a restarted member must not hand out the ports the surviving VMs hold
        var restarted = _env.Factory.Create(_env.Settings("pve2"));
        var vm4 = await restarted.Hypervisor.StartAsync(Spec(103, incoming: new IncomingSpec("0.0.0.0", [])));
        uris.Add(vm4.IncomingUri!);

        // sim://node/vmid/port carries the port in the path, sim-nbd://node:port in the authority
        var ports = uris.Select(u => new Uri(u) is { Port: > 0 } x ? x.Port : int.Parse(new Uri(u).Segments[^1])).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 60000, 60009));
        Assert.Equal(uris.Count, uris.Distinct().Count());
    }

    private static async Task<string> CreateVolume(Abstractions.INodeDriver node, string volid, long size = MiB)
    {
        await node.Storage.CreateAsync(volid, volid.EndsWith(".raw") ? "raw" : "qcow2", size);
        return volid;
    }

    [Fact]
    public async Task Port_range_exhaustion_throws()
    {
        var node = _env.Factory.Create(_env.Settings("pve3", 61000, 61001));
        await node.Hypervisor.StartAsync(Spec(100, incoming: new IncomingSpec("0.0.0.0", ["scsi0"])));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            node.Hypervisor.StartAsync(Spec(101, incoming: new IncomingSpec("0.0.0.0", []))));
        await node.Hypervisor.StopAsync(100);
        await node.Hypervisor.StartAsync(Spec(101, incoming: new IncomingSpec("0.0.0.0", [])));
    }

    [Fact]
    public async Task New_driver_instance_re_adopts_running_vms()
    {
        var first = _env.Node();
        var a = await first.Hypervisor.StartAsync(Spec(100, tag: "a"));
        await first.Hypervisor.StartAsync(Spec(101, incoming: new IncomingSpec("0.0.0.0", [])));
        await first.Hypervisor.PauseAsync(100);
        await first.DisposeAsync();

        var second = _env.Node();
        var found = await second.Hypervisor.DiscoverAsync();
        Assert.Equal([100, 101], found.Select(v => v.VmId));
        Assert.Equal(a.Pid, found[0].Pid);
        Assert.Equal(VmRunState.Paused, found[0].State);
        Assert.Equal(VmRunState.InMigrate, found[1].State);
        Assert.Equal("a", (await second.Hypervisor.StartAsync(Spec(100, tag: "a"))).Tag);
    }

    [Fact]
    public async Task Migration_goes_on_while_the_member_is_dead()
    {
        var node = _env.Node();
        await node.Hypervisor.StartAsync(Spec(100, args: ModerateArgs));
        await node.Hypervisor.StartMigrationAsync(100, ToPve2);

        _env.Clock.AdvanceSeconds(5);
        var p = await node.Hypervisor.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Active, p.Status);
        Assert.Equal(500 * MiB, p.TransferredBytes);
        Assert.Equal(1024 * MiB, p.TotalBytes);
        Assert.Equal(1, p.DirtySyncCount);
        await node.DisposeAsync(); // kill -9

        _env.Clock.AdvanceSeconds(60);
        var restarted = _env.Node();
        var done = await restarted.Hypervisor.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Completed, done.Status);
        Assert.Equal(87, done.DowntimeMs); // 8.192 MiB / 100 MiB/s + 5 ms
        Assert.Equal(4, done.DirtySyncCount);
        Assert.Equal(12785, done.TotalTimeMs);
        Assert.Equal(VmRunState.PostMigrate, (await restarted.Hypervisor.GetAsync(100)).State);
        Assert.Equal(VmRunState.PostMigrate, (await restarted.Hypervisor.DiscoverAsync()).Single().State);
    }

    [Fact]
    public async Task Speed_factor_scales_simulated_time()
    {
        using var env = new SimEnv(new SimulationOptions { SpeedFactor = 10, LinkBandwidthBytesPerSec = 100 * MiB });
        var hv = env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: ModerateArgs));
        await hv.StartMigrationAsync(100, ToPve2);
        env.Clock.AdvanceSeconds(0.5); // 5 simulated seconds
        Assert.Equal(500 * MiB, (await hv.QueryMigrationAsync(100)).TransferredBytes);
        env.Clock.AdvanceSeconds(1);
        Assert.Equal(MigrationState.Completed, (await hv.QueryMigrationAsync(100)).Status);
    }

    [Fact]
    public async Task Source_is_finish_migrate_during_switchover_and_target_stays_paused()
    {
        var source = _env.Node("pve1").Hypervisor;
        var target = _env.Node("pve2").Hypervisor;
        await source.StartAsync(Spec(100, args: ModerateArgs));
        var incoming = await target.StartAsync(Spec(100, incoming: new IncomingSpec("0.0.0.0", [])));
        await source.StartMigrationAsync(100, new MigrationStartSpec(incoming.IncomingUri!, null));

        _env.Clock.AdvanceSeconds(12.70);
        Assert.Equal(VmRunState.FinishMigrate, (await source.GetAsync(100)).State);
        _env.Clock.AdvanceSeconds(1);
        Assert.Equal(VmRunState.PostMigrate, (await source.GetAsync(100)).State);
        Assert.Equal(VmRunState.InMigrate, (await target.GetAsync(100)).State);
        await target.ResumeAsync(100);
        Assert.Equal(VmRunState.Running, (await target.GetAsync(100)).State);
    }

    [Fact]
    public async Task Bandwidth_is_the_minimum_of_link_override_and_limit()
    {
        using var env = new SimEnv(new SimulationOptions
        {
            LinkBandwidthBytesPerSec = 100 * MiB,
            Links = [new LinkOverride("pve2", "pve1", 50 * MiB)]
        });
        var hv = env.Node("pve1").Hypervisor;
        await hv.StartAsync(Spec(100));
        await hv.StartAsync(Spec(101));
        await hv.StartAsync(Spec(102));
        await hv.StartMigrationAsync(100, new MigrationStartSpec("sim://pve2/100/60000", null));
        await hv.StartMigrationAsync(101, new MigrationStartSpec("sim://pve3/101/60000", null));
        await hv.StartMigrationAsync(102, new MigrationStartSpec("sim://pve3/102/60000", 10 * MiB));
        env.Clock.AdvanceSeconds(2);

        var p100 = await hv.QueryMigrationAsync(100);
        Assert.Equal(50 * MiB, p100.SpeedBytesPerSec);
        Assert.Equal(100 * MiB, p100.TransferredBytes);
        Assert.Equal(100 * MiB, (await hv.QueryMigrationAsync(101)).SpeedBytesPerSec);
        var p102 = await hv.QueryMigrationAsync(102);
        Assert.Equal(10 * MiB, p102.SpeedBytesPerSec);
        Assert.Equal(20 * MiB, p102.TransferredBytes);
    }

    [Fact]
    public async Task A_second_start_of_a_running_migration_is_refused_and_cancel_keeps_the_source_running()
    {
        // The primitive does not re-check (NodeOperations does): like QEMU, it refuses a second migration.
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: ModerateArgs));
        await hv.StartMigrationAsync(100, ToPve2);
        _env.Clock.AdvanceSeconds(2);
        await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartMigrationAsync(100, ToPve2));
        Assert.Equal(200 * MiB, (await hv.QueryMigrationAsync(100)).TransferredBytes);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            hv.StartMigrationAsync(100, new MigrationStartSpec("sim://pve3/100/60000", null)));

        await hv.CancelMigrationAsync(100);
        _env.Clock.AdvanceSeconds(100);
        var p = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Cancelled, p.Status);
        Assert.Equal(200 * MiB, p.TransferredBytes);
        Assert.Equal(VmRunState.Running, (await hv.GetAsync(100)).State);
        await hv.CancelMigrationAsync(100); // no-op

        await hv.StartMigrationAsync(100, ToPve2); // a new attempt
        Assert.Equal(MigrationState.Active, (await hv.QueryMigrationAsync(100)).Status);
        Assert.Equal(0, (await hv.QueryMigrationAsync(100)).TransferredBytes);
    }

    [Fact]
    public async Task Query_without_migration_or_vm()
    {
        var hv = _env.Node().Hypervisor;
        Assert.Equal(MigrationState.None, (await hv.QueryMigrationAsync(100)).Status);
        await hv.StartAsync(Spec(100));
        Assert.Equal(MigrationState.None, (await hv.QueryMigrationAsync(100)).Status);
        await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartMigrationAsync(101, ToPve2));
    }

    [Fact]
    public async Task Pause_resume_and_vmgenid()
    {
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, vmgenid: "a1b2c3d4-0000-4000-8000-000000000001"));
        await hv.StartAsync(Spec(101));
        await hv.PauseAsync(100);
        Assert.Equal(VmRunState.Paused, (await hv.GetAsync(100)).State);
        await hv.ResumeAsync(100);
        Assert.Equal(VmRunState.Running, (await hv.GetAsync(100)).State);
        Assert.Equal("a1b2c3d4-0000-4000-8000-000000000001", await hv.QueryVmGenIdAsync(100));
        Assert.Null(await hv.QueryVmGenIdAsync(101));
        await Assert.ThrowsAsync<InvalidOperationException>(() => hv.QueryVmGenIdAsync(102));
    }

    [Fact]
    public async Task Shutdown_stops_the_vm()
    {
        _env.Clock.AutoAdvance = true;
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100));
        await hv.ShutdownAsync(100, TimeSpan.FromSeconds(30));
        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(100)).State);
        await hv.ShutdownAsync(100, TimeSpan.FromSeconds(30)); // no-op
    }

    [Fact]
    public async Task Mirror_progresses_by_bandwidth_becomes_ready_and_pivots()
    {
        var node = _env.Node();
        var disk = await CreateVolume(node, "local:100/vm-100-disk-0.raw", 200 * MiB);
        var path = node.Storage.PathOf(disk);
        await node.Hypervisor.StartAsync(Spec(100, disks: [new DiskLaunch("scsi0", "scsi", 0, path, "raw", false, false, 200 * MiB)]));
        var target = new MirrorTarget("sim-nbd://pve2:60001/drive-scsi0", "raw");
        await node.Hypervisor.StartMirrorAsync(100, "scsi0", target);
        // The primitives do not re-check (NodeOperations does): like QEMU, a job id in use is refused.
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Hypervisor.StartMirrorAsync(100, "scsi0", target));
        await Assert.ThrowsAsync<ArgumentException>(() => node.Hypervisor.StartMirrorAsync(100, "scsi1", target));

        _env.Clock.AdvanceSeconds(1);
        var job = (await node.Hypervisor.QueryBlockJobsAsync(100)).Single();
        Assert.Equal(("scsi0", "mirror", 200 * MiB, 100 * MiB, false), (job.Device, job.Type, job.Length, job.Offset, job.Ready));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Hypervisor.FinishMirrorAsync(100, "scsi0", pivot: true));
        Assert.Equal("The active block job 'scsi0' cannot be completed", e.Message);

        _env.Clock.AdvanceSeconds(1);
        job = (await node.Hypervisor.QueryBlockJobsAsync(100)).Single();
        Assert.True(job.Ready);
        Assert.Equal("ready", job.Status);

        await node.Hypervisor.FinishMirrorAsync(100, "scsi0", pivot: true);
        Assert.Empty(await node.Hypervisor.QueryBlockJobsAsync(100));
        e = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Hypervisor.FinishMirrorAsync(100, "scsi0", pivot: true));
        Assert.Equal("Block job 'scsi0' not found", e.Message);
    }

    [Fact]
    public async Task Local_mirror_pivot_creates_the_target_file()
    {
        var node = _env.Node();
        await node.Hypervisor.StartAsync(Spec(100, disks: [new DiskLaunch("scsi0", "scsi", 0, null, "raw", false, false, 10 * MiB)]));
        var dst = Path.Combine(_env.Root, "moved", "vm-100-disk-1.qcow2");
        await node.Hypervisor.StartMirrorAsync(100, "scsi0", new MirrorTarget(dst, "qcow2"));
        _env.Clock.AdvanceSeconds(10);
        await node.Hypervisor.FinishMirrorAsync(100, "scsi0", pivot: true);
        Assert.Equal(10 * MiB, new FileInfo(dst).Length);
    }
}
