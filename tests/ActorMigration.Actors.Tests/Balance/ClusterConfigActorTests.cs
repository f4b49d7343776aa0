using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Workflows.Bulk;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace ActorMigration.Actors.Tests.Balance;

/// <summary>
/// The cluster configuration store: persisted before it acts and replies, published, evacuations started after the flag
/// (and again after a restart), aborted when maintenance ends; refusals write nothing.
/// </summary>
public sealed class ClusterConfigActorTests : PersistenceTest
{
    private const string Upid = "UPID:node2:00001234:00005678:6B000000:evacuate::root@pam:";
    private static readonly HashSet<string> Nodes = ["node1", "node2", "node3"];

    private IActorRef Store(IActorRef mediator, IActorRef tasks) => Sys.ActorOf(ClusterConfigActor.Props(mediator, tasks, Nodes));

    [Fact]
    public async Task Maintenance_starts_the_evacuation_after_the_flag_again_after_a_restart_and_aborts_it_when_disabled()
    {
        var mediator = CreateTestProbe();
        var tasks = CreateTestProbe();
        var store = Store(mediator.Ref, tasks.Ref);
        var reply = await store.Ask<ClusterConfigReply>(new ClusterConfigRequest(new EnableMaintenance("node2", Upid, true, "root@pam")));
        Assert.Null(reply.Error);
        Assert.True(reply.State.IsInMaintenance("node2"));
        var start = tasks.ExpectMsg<StartTask>();
        Assert.Equal(Upid, start.Upid);
        Assert.Equal(new EvacuationRequest("node2", true, "root@pam"), start.Request);
        var published = mediator.ExpectMsg<Publish>();
        Assert.Equal(ClusterConfigActor.Topic, published.Topic);
        Assert.True(((ClusterConfigChanged)published.Message).State.IsInMaintenance("node2"));
        await store.GracefulStop(TimeSpan.FromSeconds(3));

        var again = Store(mediator.Ref, tasks.Ref);
        Assert.Equal(Upid, tasks.ExpectMsg<StartTask>().Upid);
        Assert.True((await again.Ask<ClusterConfigReply>(new GetClusterConfig())).State.IsInMaintenance("node2"));
        var off = await again.Ask<ClusterConfigReply>(new ClusterConfigRequest(new DisableMaintenance("node2", "root@pam")));
        Assert.False(off.State.IsInMaintenance("node2"));
        Assert.Equal(Upid, tasks.ExpectMsg<AbortTask>().Upid);
    }

    [Fact]
    public async Task Options_survive_a_restart_and_a_refused_change_writes_nothing()
    {
        var store = Store(CreateTestProbe().Ref, CreateTestProbe().Ref);
        var set = await store.Ask<ClusterConfigReply>(new ClusterConfigRequest(
            new SetClusterOptions(new ClusterOptions(4, new MigrationLimits(3, 1, null)), [], "root@pam")));
        Assert.Null(set.Error);
        var refused = await store.Ask<ClusterConfigReply>(new ClusterConfigRequest(new EnableMaintenance("node9", Upid, false, "root@pam")));
        Assert.Equal("no such cluster node 'node9'", refused.Error);
        Assert.Equal(set.State.Version, refused.State.Version);
        await store.GracefulStop(TimeSpan.FromSeconds(3));

        var state = (await Store(CreateTestProbe().Ref, CreateTestProbe().Ref).Ask<ClusterConfigReply>(new GetClusterConfig())).State;
        Assert.Equal(set.State.Version, state.Version);
        Assert.Equal(new ClusterOptions(4, new MigrationLimits(3, 1, null)), state.Options);
        Assert.Empty(state.Maintenance);
    }

    [Fact]
    public void Cluster_config_messages_cross_members_through_our_serializer()
    {
        var serializer = new ActorMigrationSerializer((ExtendedActorSystem)Sys);
        var state = ClusterConfigDecider.Apply(ClusterConfigState.Empty,
            new NodeMaintenanceEnabled(new NodeMaintenance("node2", DateTimeOffset.UnixEpoch, "root@pam", Upid, false)));
        foreach (var message in new object[] { new ClusterConfigReply(state, null), new ClusterConfigChanged(state), new GetClusterConfig() })
        {
            var back = serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
            Assert.Equal(message.GetType(), back.GetType());
            Assert.Equal(System.Text.Encoding.UTF8.GetString(serializer.ToBinary(message)), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(back)));
        }
    }
}
