using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Nodes;

/// <summary>The node actor as a dispatcher: workflow steps to NodeOperations, reads to the driver, errors redacted.</summary>
public sealed class HypervisorNodeDispatchTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private const string Disk = "local:100/vm-100-disk-0.qcow2";
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("am-node-").FullName;
    private readonly IActorRef _node;

    public HypervisorNodeDispatchTests()
    {
        var storage = new StorageConfig([new StorageDefinition("local", "dir", Path.Combine(_dir, "{node}"), false, ["images"], null)]);
        var topology = new ClusterTopology(["node1"], ["node1"], storage, _dir, new Dictionary<string, NodeOverride>());
        var factory = new SimulatedNodeDriverFactory(new SimulationOptions { InstantCopy = true, ConntrackEntriesPerVm = 0, CheckDiskFiles = true });
        _node = Sys.ActorOf(HypervisorNodeActor.Props("node1", topology, factory, ActorRefs.Nobody));
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, true);
    }

    private Task<StepResult> Step(WorkflowStep step, IActorRef? progressTo = null) =>
        _node.Ask<StepResult>(new NodeStep("node1", step, progressTo), NoHang);

    [Fact]
    public async Task A_step_runs_under_its_own_name_and_answers_its_result()
    {
        Assert.Equal(Done.Instance, await Step(new AllocateVolumes("alloc", "node1", [new VolumeAlloc(Disk, "qcow2", 1 << 20)])));
        Assert.Equal(1 << 20, (await _node.Ask<NodeVolume>(new GetNodeVolume("node1", Disk), NoHang)).Volume!.VirtualSize);

        var started = (VmStarted)await Step(new StartVm("start", "node1", 100, $"memory: 512\nscsi0: {Disk}\n", null, "t"));
        Assert.Equal(VmRunState.Running, started.Runtime.State);
        Assert.Equal(VmRunState.Running, (await _node.Ask<VmRuntime>(new GetVmRuntime("node1", 100), NoHang)).State);

        var polled = (MigrationPolled)await Step(new PollMigration("poll", "node1", 100, TimeSpan.Zero));
        Assert.Equal(MigrationState.None, polled.Progress.Status);
    }

    [Fact]
    public async Task A_copy_step_reports_its_progress_to_the_workflow()
    {
        await Step(new AllocateVolumes("alloc", "node1", [new VolumeAlloc(Disk, "qcow2", 1 << 20)]));
        var workflow = CreateTestProbe();
        var ready = (VolumeReady)await Step(new ConvertDisk("convert", "node1", Disk, "local:100/vm-100-disk-1.raw", "raw", 1 << 20, null, null),
            workflow.Ref);
        Assert.Equal("local:100/vm-100-disk-1.raw", ready.Volume.VolId);
        var progress = workflow.ExpectMsg<NodeCopyProgress>(NoHang);
        Assert.Equal(1 << 20, progress.TotalBytes);
    }

    [Fact]
    public async Task A_failed_step_reaches_the_asker_with_volume_ids_instead_of_host_paths()
    {
        var e = await Assert.ThrowsAsync<NodeOperationException>(() =>
            Step(new SnapshotVolumes("snap", "node1", ["local:100/vm-100-disk-9.raw"], "s1", "rollback")));
        Assert.Equal("volume 'local:100/vm-100-disk-9.raw' does not exist", e.Message);

        // The driver names the host path of a disk file it cannot open.
        var file = Path.Combine(_dir, "node1", "images", "100", "vm-100-disk-5.raw");
        e = await Assert.ThrowsAsync<NodeOperationException>(() => Step(new StartVm("start", "node1", 100, $"memory: 512\nscsi0: {file}\n", null, "t")));
        Assert.Equal("Could not open 'local:100/vm-100-disk-5.raw': No such file or directory", e.Message);
    }

    [Fact]
    public async Task A_step_that_is_no_node_step_is_refused()
    {
        var e = await Assert.ThrowsAsync<NodeOperationException>(() => Step(new UnlockVm("unlock", 100)));
        Assert.Equal("no node operation for step UnlockVm", e.Message);
    }
}
