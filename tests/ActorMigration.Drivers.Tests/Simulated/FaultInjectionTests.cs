using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

public class FaultInjectionTests
{
    private const string ModerateArgs = "-sim-dirty-rate 20M -sim-working-set 1G";

    private static SimEnv Env(params FaultRule[] faults) =>
        new(new SimulationOptions { LinkBandwidthBytesPerSec = 100 * MiB, Faults = faults.ToList() });

    [Fact]
    public async Task Start_incoming_fails_only_for_the_vmid_and_only_n_times()
    {
        using var env = Env(new FaultRule(FaultPhase.StartIncoming, VmId: 101, Times: 1));
        var hv = env.Node("pve2").Hypervisor;
        var incoming = new IncomingSpec("0.0.0.0", []);

        await hv.StartAsync(Spec(100, incoming: incoming)); // other vmid
        await hv.StartAsync(Spec(101)); // not incoming
        await hv.StopAsync(101);
        var ex = await Assert.ThrowsAsync<SimulatedFaultException>(() => hv.StartAsync(Spec(101, incoming: incoming)));
        Assert.Equal(FaultPhase.StartIncoming, ex.Phase);
        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(101)).State);
        Assert.Equal(VmRunState.InMigrate, (await hv.StartAsync(Spec(101, incoming: incoming))).State); // retry works
    }

    [Fact]
    public async Task Precopy_failure_happens_during_the_chosen_pass()
    {
        using var env = Env(new FaultRule(FaultPhase.PrecopyIterations, Iteration: 2));
        var hv = env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: ModerateArgs));
        await hv.StartMigrationAsync(100, new MigrationStartSpec("sim://pve2/100/60000", null));

        env.Clock.AdvanceSeconds(11); // pass 2 runs from 10.24 s to 12.288 s; the fault strikes at 11.264 s
        Assert.Equal(MigrationState.Active, (await hv.QueryMigrationAsync(100)).Status);
        env.Clock.AdvanceSeconds(1);
        var p = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Failed, p.Status);
        Assert.Contains(FaultPhase.PrecopyIterations, p.Error);
        Assert.Equal(2, p.DirtySyncCount);
        Assert.Equal(VmRunState.Running, (await hv.GetAsync(100)).State);
    }

    [Fact]
    public async Task Stop_and_copy_failure_keeps_the_source_running()
    {
        using var env = Env(new FaultRule(FaultPhase.StopAndCopy, Times: 1));
        var hv = env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: ModerateArgs));
        await hv.StartMigrationAsync(100, new MigrationStartSpec("sim://pve2/100/60000", null));

        env.Clock.AdvanceSeconds(12.6);
        Assert.Equal(MigrationState.Active, (await hv.QueryMigrationAsync(100)).Status);
        env.Clock.AdvanceSeconds(30);
        var p = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Failed, p.Status);
        Assert.Contains(FaultPhase.StopAndCopy, p.Error);
        Assert.Equal(VmRunState.Running, (await hv.GetAsync(100)).State);

        // Times = 1: the second attempt completes
        await hv.StartMigrationAsync(100, new MigrationStartSpec("sim://pve2/100/60001", null));
        env.Clock.AdvanceSeconds(30);
        Assert.Equal(MigrationState.Completed, (await hv.QueryMigrationAsync(100)).Status);
        Assert.Equal(VmRunState.PostMigrate, (await hv.GetAsync(100)).State);
    }

    [Fact]
    public async Task Mirror_failure_concludes_the_job_with_an_error()
    {
        using var env = Env(new FaultRule(FaultPhase.Mirror, VmId: 100));
        var hv = env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, disks: [new DiskLaunch("scsi0", "scsi", 0, null, "raw", false, false, 100 * MiB)]));
        await hv.StartMirrorAsync(100, "scsi0", new MirrorTarget("sim-nbd://pve2:60001/drive-scsi0", "raw"));
        env.Clock.AdvanceSeconds(0.4);
        Assert.Null((await hv.QueryBlockJobsAsync(100)).Single().Error);

        env.Clock.AdvanceSeconds(10);
        var job = (await hv.QueryBlockJobsAsync(100)).Single();
        Assert.Equal("concluded", job.Status);
        Assert.False(job.Ready);
        Assert.Contains(FaultPhase.Mirror, job.Error);
        await Assert.ThrowsAsync<InvalidOperationException>(() => hv.FinishMirrorAsync(100, "scsi0", pivot: true));
        await hv.FinishMirrorAsync(100, "scsi0", pivot: false);
        Assert.Empty(await hv.QueryBlockJobsAsync(100));
    }

    [Fact]
    public async Task Copy_disks_failure_hits_convert_and_nbd_copies()
    {
        using var env = Env(new FaultRule(FaultPhase.CopyDisks, Times: 2));
        env.Clock.AutoAdvance = true;
        var st = env.Node().Storage;
        await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 100 * MiB);
        await st.CreateAsync("local:101/vm-101-disk-0.raw", "raw", 100 * MiB);
        var export = await st.ExportAsync("local:101/vm-101-disk-0.raw", true);

        var ex = await Assert.ThrowsAsync<SimulatedFaultException>(() =>
            st.ConvertAsync("local:100/vm-100-disk-0.raw", "local:102/vm-102-disk-0.raw", "raw"));
        Assert.Equal(FaultPhase.CopyDisks, ex.Phase);
        await Assert.ThrowsAsync<SimulatedFaultException>(() => st.CopyToNbdAsync("local:100/vm-100-disk-0.raw", export.Uri));
        await st.CopyToNbdAsync("local:100/vm-100-disk-0.raw", export.Uri);
        await st.ConvertAsync("local:100/vm-100-disk-0.raw", "local:102/vm-102-disk-0.raw", "raw"); // reuses the partial target
    }

    [Fact]
    public async Task Backup_failure_leaves_no_archive()
    {
        using var env = Env(new FaultRule(FaultPhase.Backup));
        env.Clock.AutoAdvance = true;
        var st = env.Node().Storage;
        await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 100 * MiB);
        const string backup = "local:backup/vzdump-qemu-100-2025_01_01-00_00_00.tar";
        await Assert.ThrowsAsync<SimulatedFaultException>(() =>
            st.CreateBackupAsync(backup, "memory: 512\n", [("scsi0", "local:100/vm-100-disk-0.raw")]));
        Assert.Null(await st.InfoAsync(backup));
    }

    [Fact]
    public async Task Fault_counts_persist_in_the_state_file_across_factories()
    {
        using var env = new SimEnv();
        var options = new SimulationOptions
        {
            Faults = [new FaultRule(FaultPhase.StartIncoming, Times: 1)],
            FaultStateFile = Path.Combine(env.Root, "faults.json")
        };
        var incoming = new IncomingSpec("0.0.0.0", []);
        var first = new SimulatedNodeDriverFactory(options, env.Clock).Create(env.Settings("pve2")).Hypervisor;
        await Assert.ThrowsAsync<SimulatedFaultException>(() => first.StartAsync(Spec(100, incoming: incoming)));

        // a restarted member with the same options: the fault has been used up
        var second = new SimulatedNodeDriverFactory(options, env.Clock).Create(env.Settings("pve2")).Hypervisor;
        Assert.Equal(VmRunState.InMigrate, (await second.StartAsync(Spec(100, incoming: incoming))).State);
    }

    [Fact]
    public async Task In_memory_fault_counts_are_shared_by_the_nodes_of_a_factory()
    {
        using var env = Env(new FaultRule(FaultPhase.StartIncoming, Times: 1));
        var incoming = new IncomingSpec("0.0.0.0", []);
        await Assert.ThrowsAsync<SimulatedFaultException>(() => env.Node("pve2").Hypervisor.StartAsync(Spec(100, incoming: incoming)));
        await env.Node("pve3").Hypervisor.StartAsync(Spec(100, incoming: incoming));
    }

    [Fact]
    public async Task Node_filter_limits_a_fault_to_one_node()
    {
        using var env = Env(new FaultRule(FaultPhase.StartIncoming, Node: "pve3"));
        var incoming = new IncomingSpec("0.0.0.0", []);
        await env.Node("pve2").Hypervisor.StartAsync(Spec(100, incoming: incoming));
        await Assert.ThrowsAsync<SimulatedFaultException>(() => env.Node("pve3").Hypervisor.StartAsync(Spec(100, incoming: incoming)));
    }
}
