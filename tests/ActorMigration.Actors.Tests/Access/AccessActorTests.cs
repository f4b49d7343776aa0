using ActorMigration.Actors.Access;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Domain.Access;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace ActorMigration.Actors.Tests.Access;

/// <summary>The access store: persisted, published to the members' replicas, refusals change nothing.</summary>
public sealed class AccessActorTests : PersistenceTest
{
    private static AccessRequest NewUser(string id) => new(new CreateUser(new AccessUser(id, true, 0, null, null, null, null, "h")));

    [Fact]
    public async Task Users_acl_and_the_ticket_key_survive_a_restart()
    {
        var mediator = CreateTestProbe();
        var store = Sys.ActorOf(AccessActor.Props(mediator.Ref));
        var created = await store.Ask<AccessReply>(NewUser("alice@pve"));
        Assert.Null(created.Error);
        var granted = await store.Ask<AccessReply>(new AccessRequest(new ModifyAcl("/vms/100", ["PVEVMUser"], ["alice@pve"], [], true, false)));
        Assert.Null(granted.Error);
        Assert.NotNull(granted.State.TicketKey);
        // Each persisted change is published to every member's replica.
        var published = mediator.FishForMessage<Publish>(p => ((AccessChanged)p.Message).State.Acl.Count == 1);
        Assert.Equal(AccessActor.Topic, published.Topic);
        await store.GracefulStop(TimeSpan.FromSeconds(3));

        var again = Sys.ActorOf(AccessActor.Props(mediator.Ref));
        var state = (await again.Ask<AccessReply>(new GetAccessState())).State;
        Assert.True(PermissionEvaluator.Has(state, "alice@pve", "/vms/100", "VM.PowerMgmt", 0));
        Assert.Equal(granted.State.TicketKey, state.TicketKey);
        Assert.Equal(granted.State.Version, state.Version);
    }

    [Fact]
    public async Task A_refused_change_writes_nothing()
    {
        var store = Sys.ActorOf(AccessActor.Props(CreateTestProbe().Ref));
        var first = await store.Ask<AccessReply>(NewUser("bob@pve"));
        var refused = await store.Ask<AccessReply>(NewUser("bob@pve"));
        Assert.Equal("create user failed: user 'bob@pve' already exists", refused.Error);
        Assert.Equal(first.State.Version, refused.State.Version);
        await store.GracefulStop(TimeSpan.FromSeconds(3));
        // What a restart recovers is what was written: the same number of events.
        var again = Sys.ActorOf(AccessActor.Props(CreateTestProbe().Ref));
        Assert.Equal(first.State.Version, (await again.Ask<AccessReply>(new GetAccessState())).State.Version);
    }

    [Fact]
    public async Task A_replica_takes_the_store_state_and_only_newer_publications()
    {
        var store = Sys.ActorOf(AccessActor.Props(CreateTestProbe().Ref));
        var reply = await store.Ask<AccessReply>(NewUser("carol@pve"));
        var view = new AccessView();
        var mediator = CreateTestProbe();
        var replica = Sys.ActorOf(AccessReplicaActor.Props(view, store, mediator.Ref));
        mediator.ExpectMsg<Subscribe>(s => s.Topic == AccessActor.Topic);
        AwaitCondition(() => view.Current.Users.ContainsKey("carol@pve"));
        replica.Tell(new AccessChanged(AccessState.Empty with { Version = 1, TicketKey = "old" }));
        await Task.Delay(100);
        Assert.Equal(reply.State.Version, view.Current.Version);
    }

    [Fact]
    public void Access_messages_cross_members_through_our_serializer()
    {
        var serializer = new ActorMigrationSerializer((ExtendedActorSystem)Sys);
        var state = AccessDecider.Apply(AccessState.Empty, new TokenSaved(new AccessToken("root@pam", "ci", true, 5, "c", "sha256$AA==$AA==")));
        object[] messages =
        [
            new AccessRequest(new ModifyAcl("/", ["PVEAuditor"], ["a@pve"], ["a@pve!t"], true, false)),
            new AccessRequest(new UpdateUser("a@pve", false, null, null, null, null, "x")),
            new AccessChanged(state), new AccessReply(state, "no"),
        ];
        foreach (var m in messages)
        {
            var back = serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m));
            Assert.Equal(Convert.ToBase64String(serializer.ToBinary(m)), Convert.ToBase64String(serializer.ToBinary(back)));
        }
        var request = (AccessRequest)serializer.FromBinary(serializer.ToBinary(messages[0]), serializer.Manifest(messages[0]));
        Assert.Equal(["a@pve!t"], Assert.IsType<ModifyAcl>(request.Command).Tokens);
        var changed = (AccessChanged)serializer.FromBinary(serializer.ToBinary(messages[2]), serializer.Manifest(messages[2]));
        Assert.True(changed.State.Tokens["root@pam!ci"].Privsep);
    }
}
