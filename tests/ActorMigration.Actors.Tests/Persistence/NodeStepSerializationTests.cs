using System.Text.Json;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Persistence;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Domain.Workflows.VmTask;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Persistence;

/// <summary>A node step crosses members: it keeps its concrete step and its progress receiver.</summary>
public sealed class NodeStepSerializationTests : Akka.TestKit.Xunit2.TestKit
{
    private ActorMigrationSerializer Serializer => new((ExtendedActorSystem)Sys);

    private object RoundTrip(object o) => Serializer.FromBinary(Serializer.ToBinary(o), Serializer.Manifest(o));

    public static IEnumerable<object[]> Steps() =>
    [
        [new StartMigration("migrate", "node1", 100, new MigrationStartSpec("tcp:10.0.0.2:60000", 1000, 50, false))],
        [new PollMigration("poll", "node1", 100, TimeSpan.FromMilliseconds(250)) { RecordWithNext = true }],
        [new TuneMigration("tune:1", "node1", 100, new MigrationTuning(400, 60)) { RecordWithNext = true }],
        [new StartPostcopy("postcopy", "node1", 100)],
        [new ConfirmIncoming("confirm-target", "node2", 100, "UPID:x", TimeSpan.FromSeconds(10)) { Running = true }],
        [new DeleteVolumes("free", "node1", ["local:100/vm-100-disk-0.raw"]) { GoOnPastFailures = true }],
        [new StartVm("start", "node2", 100, "memory: 512\n", new IncomingSpec("10.0.0.2", ["scsi0"]), "tag")],
        [new StartVm("start", "node1", 100, "memory: 512\n", null, "tag", LoadVm: "s1")],
        [new SnapshotRunningVm("volumes", "node1", 100, [new SnapshotDrive("scsi0", "local:100/vm-100-disk-0.qcow2")], "s1", "create", "scsi0")],
        [new StartMirrors("mirrors", "node1", 100, [new MirrorJob("scsi0", new MirrorTarget("nbd:10.0.0.2:60001", "raw", 1024))])],
        [new HotplugDisk("plug:scsi1", "node1", 100, "scsi1", "local:100/vm-100-disk-1.qcow2")],
        [new HotplugNic("plug:net1", "node1", 100, "net1", "virtio=BC:24:11:00:00:02,bridge=vmbr0")],
        [new ResizeDisk("resize", "node1", 100, "scsi0", "local:100/vm-100-disk-0.qcow2", 1L << 30)],
        [new ResetVm("reset", "node1", 100)],
        [new PauseVm("pause", "node1", 100)],
    ];

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_node_step_round_trips_with_its_concrete_step(WorkflowStep step)
    {
        var back = Assert.IsType<NodeStep>(RoundTrip(new NodeStep("node1", step)));
        Assert.Equal("node1", back.Node);
        Assert.Equal(step.GetType(), back.Step.GetType());
        Assert.Equal(JsonSerializer.Serialize(step, step.GetType()), JsonSerializer.Serialize(back.Step, back.Step.GetType()));
        Assert.Null(back.ProgressTo);
    }

    [Fact]
    public void The_progress_receiver_travels_with_the_step()
    {
        var receiver = Sys.ActorOf(Props.Empty, "workflow");
        var back = (NodeStep)RoundTrip(new NodeStep("node1", new ConvertDisk("c", "node1", "a", "b", "raw", 1, null, null), receiver));
        Assert.Equal(receiver.Path, back.ProgressTo!.Path);
    }

    [Fact]
    public void Step_results_round_trip_as_replies()
    {
        var result = new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 10, 5, false, "running")]);
        var back = Assert.IsType<MirrorsPolled>(RoundTrip(result));
        Assert.Equal(result.Jobs, back.Jobs);
    }
}
