using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace ActorMigration.Actors.Tests.Ha;

/// <summary>The HA configuration store: persisted before it replies, published, refusals write nothing, kept over a restart.</summary>
public sealed class HaConfigActorTests : PersistenceTest
{
    private static HaConfigRequest Add(int vmid, string? group = null) =>
        new(new AddHaResource(new HaResource(HaSid.OfVm(vmid), "started", 2, null, group, "c")));

    private static HaConfigRequest AddGroup(string name) =>
        new(new AddHaGroup(new HaGroup(name, [new HaGroupNode("node1", 2), new HaGroupNode("node2", 0)], true, null, null)));

    [Fact]
    public async Task Resources_and_groups_survive_a_restart()
    {
        var mediator = CreateTestProbe();
        var store = Sys.ActorOf(HaConfigActor.Props(mediator.Ref, CreateTestProbe().Ref));
        Assert.Null((await store.Ask<HaConfigReply>(AddGroup("db"))).Error);
        Assert.Null((await store.Ask<HaConfigReply>(Add(100, "db"))).Error);
        var last = await store.Ask<HaConfigReply>(Add(101));
        Assert.Null(last.Error);
        // Each persisted change is published for the HA manager.
        var published = mediator.FishForMessage<Publish>(p => ((HaConfigChanged)p.Message).State.Resources.Count == 2);
        Assert.Equal(HaConfigActor.Topic, published.Topic);
        await store.GracefulStop(TimeSpan.FromSeconds(3));

        var again = Sys.ActorOf(HaConfigActor.Props(mediator.Ref, CreateTestProbe().Ref));
        var state = (await again.Ask<HaConfigReply>(new GetHaConfig())).State;
        Assert.Equal(last.State.Version, state.Version);
        Assert.Equal(["vm:100", "vm:101"], state.Resources.Keys);
        Assert.Equal(new HaResource("vm:100", "started", 2, null, "db", "c"), state.Resources["vm:100"]);
        Assert.Equal("node1:2,node2", state.Groups["db"].NodeList);
        Assert.True(state.Groups["db"].Restricted);
        Assert.Equal(last.State.ResourcesDigest, state.ResourcesDigest);
    }

    [Fact]
    public async Task A_refused_change_writes_nothing()
    {
        var store = Sys.ActorOf(HaConfigActor.Props(CreateTestProbe().Ref, CreateTestProbe().Ref));
        var first = await store.Ask<HaConfigReply>(Add(100));
        var refused = await store.Ask<HaConfigReply>(Add(100));
        Assert.Equal("create resource failed: resource ID 'vm:100' already defined", refused.Error);
        Assert.Equal("HA group 'nope' does not exist", (await store.Ask<HaConfigReply>(Add(102, "nope"))).Error);
        Assert.Equal(first.State.Version, refused.State.Version);
        await store.GracefulStop(TimeSpan.FromSeconds(3));
        var again = Sys.ActorOf(HaConfigActor.Props(CreateTestProbe().Ref, CreateTestProbe().Ref));
        var state = (await again.Ask<HaConfigReply>(new GetHaConfig())).State;
        Assert.Equal(first.State.Version, state.Version);
        Assert.Equal(["vm:100"], state.Resources.Keys);
    }

    [Fact]
    public async Task Removals_survive_a_restart()
    {
        var store = Sys.ActorOf(HaConfigActor.Props(CreateTestProbe().Ref, CreateTestProbe().Ref));
        await store.Ask<HaConfigReply>(AddGroup("db"));
        await store.Ask<HaConfigReply>(Add(100, "db"));
        Assert.Null((await store.Ask<HaConfigReply>(new HaConfigRequest(new RemoveHaResource("vm:100")))).Error);
        Assert.Null((await store.Ask<HaConfigReply>(new HaConfigRequest(new RemoveHaGroup("db")))).Error);
        await store.GracefulStop(TimeSpan.FromSeconds(3));
        var state = (await Sys.ActorOf(HaConfigActor.Props(CreateTestProbe().Ref, CreateTestProbe().Ref)).Ask<HaConfigReply>(new GetHaConfig())).State;
        Assert.Empty(state.Resources);
        Assert.Empty(state.Groups);
        Assert.Equal(4, state.Version);
    }

    [Fact]
    public void Ha_messages_cross_members_through_our_serializer()
    {
        var serializer = new ActorMigrationSerializer((ExtendedActorSystem)Sys);
        var state = new[]
        {
            (IHaConfigEvent)new HaGroupSaved(new HaGroup("db", [new HaGroupNode("node1", 2)], true, false, "g")),
            new HaResourceSaved(new HaResource("vm:100", "stopped", 0, 3, "db", null)),
        }.Aggregate(HaConfigState.Empty, HaConfigDecider.Apply);
        object[] messages =
        [
            new HaConfigRequest(new UpdateHaResource("vm:100", "started", null, 2, null, null, ["comment"], "abc")),
            new HaConfigRequest(new UpdateHaGroup("db", [new HaGroupNode("node2", 1)], null, true, null, [], null)),
            new HaConfigRequest(new RemoveHaResource("vm:100", IfExists: true)),
            new HaConfigChanged(state), new HaConfigReply(state, "no"), new GetHaConfig(),
        ];
        foreach (var m in messages)
        {
            // Bound to our serializer in production (never the default fallback).
            Assert.Contains(WireTypes.All, t => t.IsInstanceOfType(m));
            var back = serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m));
            Assert.Equal(Convert.ToBase64String(serializer.ToBinary(m)), Convert.ToBase64String(serializer.ToBinary(back)));
        }
        var request = (HaConfigRequest)serializer.FromBinary(serializer.ToBinary(messages[0]), serializer.Manifest(messages[0]));
        Assert.Equal(["comment"], Assert.IsType<UpdateHaResource>(request.Command).Delete);
        var changed = (HaConfigChanged)serializer.FromBinary(serializer.ToBinary(messages[3]), serializer.Manifest(messages[3]));
        Assert.Equal(state.ResourcesDigest, changed.State.ResourcesDigest);
        Assert.Equal(state.GroupsDigest, changed.State.GroupsDigest);
        Assert.Equal(3, changed.State.Resources["vm:100"].MaxRelocate);
    }
}
