using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Nodes;

/// <summary>A command that changes a node and comes past its deadline is dropped, unanswered and logged, and changes nothing.</summary>
public sealed class StaleNodeCommandTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private const string Upid = "UPID:node1:00000001:00000001:6B000000:qmigrate:100:root@pam!admin:";
    private const string Disk = "local:100/vm-100-disk-0.raw";
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("am-stale-").FullName;
    private readonly ClusterTopology _topology;

    public StaleNodeCommandTests()
    {
        var storage = new StorageConfig([new StorageDefinition("local", "dir", Path.Combine(_dir, "{node}"), false, ["images"], null)]);
        _topology = new ClusterTopology(["node1"], ["node1"], storage, _dir, new Dictionary<string, NodeOverride>());
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, true);
    }

    private IActorRef Node(TimeProvider clock) =>
        Sys.ActorOf(HypervisorNodeActor.Props("node1", _topology, new SimulatedNodeDriverFactory(new SimulationOptions()), ActorRefs.Nobody, clock));

    private static NodeStep Allocate(DateTimeOffset deadline) =>
        new("node1", new AllocateVolumes("alloc", "node1", [new VolumeAlloc(Disk, "raw", 1 << 20)]), Stamp: new StepStamp(Upid, "alloc", 2, deadline));

    private async Task<VolumeInfo?> Volume(IActorRef node) => (await node.Ask<NodeVolume>(new GetNodeVolume("node1", Disk), NoHang)).Volume;

    [Fact]
    public async Task A_step_that_arrives_past_its_deadline_is_dropped_unanswered_and_logged_with_its_step_and_lateness()
    {
        var node = Node(new StepClock(T0));
        var asker = CreateTestProbe();

        EventFilter.Warning(contains: $"dropped stale NodeStep of {Upid} step alloc attempt 2: 1500 ms past its deadline")
            .ExpectOne(() => node.Tell(Allocate(T0 - TimeSpan.FromMilliseconds(1500)), asker.Ref));

        asker.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Null(await Volume(node));
    }

    [Fact]
    public async Task A_step_whose_deadline_passes_while_it_waits_to_start_is_dropped_too()
    {
        // Intake sees T0 (in time); the check just before it starts sees T0 + 2 s (late).
        var node = Node(new StepClock(T0, T0 + TimeSpan.FromSeconds(2)));
        var asker = CreateTestProbe();

        EventFilter.Warning(contains: "step alloc attempt 2: 1000 ms past its deadline")
            .ExpectOne(() => node.Tell(Allocate(T0 + TimeSpan.FromSeconds(1)), asker.Ref));

        asker.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Null(await Volume(node));
    }

    [Fact]
    public async Task A_step_in_time_runs_and_answers()
    {
        var node = Node(new StepClock(T0));

        Assert.Equal(Done.Instance, await node.Ask<StepResult>(Allocate(T0 + TimeSpan.FromSeconds(1)), NoHang));

        Assert.Equal(1 << 20, (await Volume(node))!.VirtualSize);
    }

    [Fact]
    public async Task Stale_conntrack_and_volume_commands_are_dropped_and_reads_are_never_stale()
    {
        var node = Node(new StepClock(T0));
        var asker = CreateTestProbe();
        var late = new StepStamp(Upid, "conntrack", 1, T0 - TimeSpan.FromSeconds(1));

        EventFilter.Warning(contains: "dropped stale").Expect(3, () =>
        {
            node.Tell(new FlushNodeConntrack("node1", 100, late), asker.Ref);
            node.Tell(new CreateNodeVolumes("node1", [new VolumeAlloc(Disk, "raw", 1 << 20)], false, late), asker.Ref);
            node.Tell(new ExportNodeVolume("node1", Disk, true, Stamp: late), asker.Ref);
        });
        asker.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Null(await Volume(node));
        // Without a stamp (the API's own commands) nothing is stale.
        Assert.Equal(NodeDone.Instance, await node.Ask<NodeDone>(new CreateNodeVolumes("node1", [new VolumeAlloc(Disk, "raw", 1 << 20)], false), NoHang));
        Assert.NotNull(await Volume(node));
    }
}
