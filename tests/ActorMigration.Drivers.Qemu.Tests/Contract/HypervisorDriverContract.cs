using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>
/// What every <see cref="IHypervisorDriver"/> does, run against each driver by a subclass that supplies its nodes.
/// Each test shares its VMs across the steps it checks (real guests are expensive).
/// </summary>
public abstract class HypervisorDriverContract : IAsyncLifetime
{
    private const string GenId = "3f6c1a2b-4d5e-4f60-8a9b-0c1d2e3f4a5b";

    /// <summary>A new node of this driver (own run dir, storage "local" and port range).</summary>
    protected abstract Task<INodeDriver> AddNodeAsync(string name);

    /// <summary>A new driver instance on the same node, as after a member crash (the old one is let go).</summary>
    protected abstract Task<INodeDriver> ReopenAsync(INodeDriver node);

    /// <summary>How long an operation of this driver may take (a migration, a mirror getting ready).</summary>
    protected abstract TimeSpan Patience { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Start_get_pause_resume_vmgenid_rediscover_stop_and_shutdown()
    {
        var node = await AddNodeAsync("c-life");
        var hv = node.Hypervisor;
        var spec = Specs.Guest(301, "boot-1", vmgenid: GenId);

        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(301)).State);
        var rt = await hv.StartAsync(spec);
        Assert.Equal(VmRunState.Running, rt.State);
        Assert.Equal("boot-1", rt.Tag);
        Assert.NotNull(rt.Pid);
        Assert.False(string.IsNullOrEmpty(rt.RunningMachine));
        Assert.Null(rt.IncomingUri);

        // Same tag: the running VM, unchanged. Another tag: refused.
        Assert.Equal(rt.Pid, (await hv.StartAsync(spec)).Pid);
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => hv.StartAsync(spec with { Tag = "boot-2" }));

        Assert.Equal(GenId, await hv.QueryVmGenIdAsync(301), ignoreCase: true);

        await hv.PauseAsync(301);
        Assert.Equal(VmRunState.Paused, (await hv.GetAsync(301)).State);
        await hv.ResumeAsync(301);
        await hv.ResumeAsync(301); // already running: nothing happens
        Assert.Equal(VmRunState.Running, (await hv.GetAsync(301)).State);

        // A new driver instance finds the VM still running.
        node = await ReopenAsync(node);
        hv = node.Hypervisor;
        var found = Assert.Single(await hv.DiscoverAsync(), v => v.VmId == 301);
        Assert.Equal(rt.Pid, found.Pid);
        Assert.Equal("boot-1", found.Tag);
        Assert.Equal(VmRunState.Running, found.State);

        await hv.StopAsync(301);
        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(301)).State);
        await hv.StopAsync(301); // no process: nothing happens
        Assert.DoesNotContain(await hv.DiscoverAsync(), v => v.VmId == 301);

        // Shutdown ends with the VM stopped, gracefully or hard after the timeout.
        await hv.StartAsync(spec with { Tag = "boot-3" });
        await hv.ShutdownAsync(301, TimeSpan.FromSeconds(5));
        Assert.Equal(VmRunState.Stopped, (await hv.GetAsync(301)).State);
        await hv.ShutdownAsync(301, TimeSpan.FromSeconds(1)); // not running: nothing happens
    }

    [Fact]
    public async Task Migration_to_an_incoming_target_can_be_cancelled_then_completes()
    {
        var a = await AddNodeAsync("c-mig-a");
        var b = await AddNodeAsync("c-mig-b");
        var spec = Specs.Guest(302, "src");
        var src = await a.Hypervisor.StartAsync(spec);
        Assert.Equal(MigrationState.None, (await a.Hypervisor.QueryMigrationAsync(302)).Status);

        // A slow migration, cancelled: the source keeps running.
        var slow = await b.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst-1"));
        Assert.Equal(VmRunState.InMigrate, slow.State);
        Assert.False(string.IsNullOrEmpty(slow.IncomingUri));
        await a.Hypervisor.StartMigrationAsync(302, new MigrationStartSpec(slow.IncomingUri!, 1L << 20, 100, false));
        await a.Hypervisor.CancelMigrationAsync(302);
        Assert.Equal(MigrationState.Cancelled, (await WaitFinalAsync(a.Hypervisor, 302)).Status);
        Assert.Equal(VmRunState.Running, (await a.Hypervisor.GetAsync(302)).State);
        await b.Hypervisor.StopAsync(302);

        // A new target; this migration completes.
        var dst = await b.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst-2"));
        Assert.Equal(src.RunningMachine, dst.RunningMachine);
        await a.Hypervisor.StartMigrationAsync(302, new MigrationStartSpec(dst.IncomingUri!, null, 100, true));
        var done = await WaitFinalAsync(a.Hypervisor, 302);
        Assert.Equal(MigrationState.Completed, done.Status);
        Assert.True(done.TotalBytes > 0, $"no RAM figures: {done}");
        Assert.NotNull(done.DowntimeMs);
        Assert.Equal(MigrationState.Completed, (await a.Hypervisor.QueryMigrationAsync(302)).Status);
        Assert.Equal(VmRunState.PostMigrate, (await a.Hypervisor.GetAsync(302)).State);

        await b.Hypervisor.ResumeAsync(302);
        Assert.Equal(VmRunState.Running, (await b.Hypervisor.GetAsync(302)).State);
        await a.Hypervisor.StopAsync(302);
        Assert.Equal(VmRunState.Stopped, (await a.Hypervisor.GetAsync(302)).State);
        await b.Hypervisor.StopAsync(302);
    }

    [Fact]
    public async Task Mirror_to_an_nbd_target_and_to_a_local_volume_then_nbd_stop()
    {
        var a = await AddNodeAsync("c-mir-a");
        var b = await AddNodeAsync("c-mir-b");
        const string volid = "local:303/vm-303-disk-0.qcow2";
        var srcVol = await a.Storage.CreateAsync(volid, "qcow2", 32L << 20);
        var spec = Specs.Guest(303, "src", [Specs.Disk("scsi0", srcVol.Path, "qcow2", srcVol.VirtualSize)]);
        var src = await a.Hypervisor.StartAsync(spec);
        Assert.Null(await a.Hypervisor.QueryVmGenIdAsync(303));
        Assert.Empty(await a.Hypervisor.QueryBlockJobsAsync(303));

        // Target with its own volume, exported over NBD while it waits for the migration.
        var dstVol = await b.Storage.CreateAsync(volid, "qcow2", 32L << 20);
        var dst = await b.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst",
            [Specs.Disk("scsi0", dstVol.Path, "qcow2", dstVol.VirtualSize)], ["scsi0"]));
        Assert.False(string.IsNullOrEmpty(dst.NbdUri));

        await a.Hypervisor.StartMirrorAsync(303, "scsi0", new MirrorTarget(dst.NbdUri!, "raw"));
        var job = await WaitReadyAsync(a.Hypervisor, 303, "scsi0");
        Assert.Equal("mirror", job.Type);
        Assert.Equal(job.Length, job.Offset);
        await a.Hypervisor.FinishMirrorAsync(303, "scsi0", pivot: false);
        Assert.Empty(await a.Hypervisor.QueryBlockJobsAsync(303));

        await b.Hypervisor.StopNbdServerAsync(303);
        Assert.Null((await b.Hypervisor.GetAsync(303)).NbdUri);
        await b.Hypervisor.StopAsync(303);

        // Local move: mirror into another volume and pivot to it.
        var moved = await a.Storage.CreateAsync("local:303/vm-303-disk-1.qcow2", "qcow2", 32L << 20);
        await a.Hypervisor.StartMirrorAsync(303, "scsi0", new MirrorTarget(moved.Path, "qcow2"));
        await WaitReadyAsync(a.Hypervisor, 303, "scsi0");
        await a.Hypervisor.FinishMirrorAsync(303, "scsi0", pivot: true);
        Assert.Empty(await a.Hypervisor.QueryBlockJobsAsync(303));
        Assert.Equal(VmRunState.Running, (await a.Hypervisor.GetAsync(303)).State);
        await a.Hypervisor.StopAsync(303);
    }

    private async Task<MigrationProgress> WaitFinalAsync(IHypervisorDriver hv, int vmid)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var p = await hv.WaitMigrationAsync(vmid, TimeSpan.FromMilliseconds(500));
            if (p.IsFinal) return p;
            Assert.True(DateTime.UtcNow < deadline, $"migration of {vmid} still {p.Status} after {Patience}");
        }
    }

    private async Task<BlockJobInfo> WaitReadyAsync(IHypervisorDriver hv, int vmid, string drive)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var job = Assert.Single(await hv.QueryBlockJobsAsync(vmid), j => j.Device == drive);
            Assert.Null(job.Error);
            if (job.Ready) return job;
            Assert.True(DateTime.UtcNow < deadline, $"mirror not ready after {Patience}: {job}");
            await Task.Delay(100);
        }
    }
}
