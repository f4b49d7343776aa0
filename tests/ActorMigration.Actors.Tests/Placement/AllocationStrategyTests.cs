using System.Collections.Immutable;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Tasks;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace ActorMigration.Actors.Tests.Placement;

/// <summary>
/// The strategies against a real two-member cluster (this system hosts node1, a second one node2): the local
/// region's path has no address, and the member's own address must still be recognised as the host of node1.
/// </summary>
public sealed class AllocationStrategyTests() : Akka.TestKit.Xunit2.TestKit(MemberConfig("node1"))
{
    private static Config MemberConfig(string node) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.roles = ["hv-{{node}}"]
        akka.loglevel = WARNING
        """);

    /// <summary>Region refs on member1 (this system, holding two shards) and member2 (holding none), both Up.</summary>
    private async Task<(IActorRef Region1, IActorRef Region2, IImmutableDictionary<IActorRef, IImmutableList<string>> Allocations)> TwoMembers()
    {
        var other = ActorSystem.Create(Sys.Name, MemberConfig("node2"));
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        Akka.Cluster.Cluster.Get(other).Join(cluster.SelfAddress);
        await AwaitConditionAsync(() => Task.FromResult(cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 2),
            TimeSpan.FromSeconds(30));
        var otherAddress = Akka.Cluster.Cluster.Get(other).SelfAddress;
        var region2 = ((ExtendedActorSystem)Sys).Provider.ResolveActorRef($"{otherAddress}/system/sharding/x");
        var region1 = CreateTestProbe().Ref;
        var allocations = ImmutableDictionary<IActorRef, IImmutableList<string>>.Empty
            .Add(region1, ImmutableList.Create("a", "b"))
            .Add(region2, ImmutableList<string>.Empty);
        _other = other;
        return (region1, region2, allocations);
    }

    private ActorSystem? _other;

    protected override void AfterAll()
    {
        _other?.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    private static string Upid(string node) => new Upid(node, 1, 1, 1_700_000_000, "qmigrate", "300", "root@pam").ToString();

    [Fact]
    public async Task A_workflow_goes_to_the_member_hosting_its_node_not_the_least_loaded()
    {
        var (region1, region2, allocations) = await TwoMembers();
        var strategy = new WorkflowAllocationStrategy(Sys, () => []);

        Assert.Equal(region1, await strategy.AllocateShard(region2, WorkflowMessageExtractor.ShardOf(Upid("node1")), allocations));
        Assert.Equal(region2, await strategy.AllocateShard(region1, WorkflowMessageExtractor.ShardOf(Upid("node2")), allocations));
        Assert.Equal(region2, await strategy.AllocateShard(region1, WorkflowMessageExtractor.ShardOf(Upid("node7")), allocations));
        Assert.Empty(await strategy.Rebalance(allocations, ImmutableHashSet<string>.Empty));
    }

    [Fact]
    public async Task A_workflow_shard_left_on_a_survivor_goes_home_once_no_task_in_it_runs()
    {
        var (region1, region2, allocations) = await TwoMembers();
        var (idle, busy) = (Upid("node1"), new Upid("node1", 2, 2, 1_700_000_001, "qmigrate", "301", "root@pam").ToString());
        Assert.NotEqual(WorkflowMessageExtractor.ShardOf(idle), WorkflowMessageExtractor.ShardOf(busy));
        // A failover left two of node1's shards and one unknown shard on member2; node1's member is back.
        var away = allocations.SetItem(region2, ImmutableList.Create(WorkflowMessageExtractor.ShardOf(idle),
            WorkflowMessageExtractor.ShardOf(busy), WorkflowMessageExtractor.ShardOf(Upid("node7"))));
        IReadOnlyCollection<string>? running = null;
        var strategy = new WorkflowAllocationStrategy(Sys, () => running);

        Assert.Empty(await strategy.Rebalance(away, ImmutableHashSet<string>.Empty)); // the read model has not caught up
        running = [busy];
        Assert.Equal([WorkflowMessageExtractor.ShardOf(idle)], await strategy.Rebalance(away, ImmutableHashSet<string>.Empty));
        Assert.Empty(await strategy.Rebalance(away, ImmutableHashSet.Create(WorkflowMessageExtractor.ShardOf(idle))));
        running = [];
        Assert.Equal(2, (await strategy.Rebalance(away, ImmutableHashSet<string>.Empty)).Count);
        Assert.Equal(region1, await strategy.AllocateShard(region2, WorkflowMessageExtractor.ShardOf(busy), away));
    }

    [Fact]
    public async Task A_vm_record_goes_to_its_owners_member_and_follows_it_locked_or_not()
    {
        var (region1, region2, allocations) = await TwoMembers();
        var owners = new Dictionary<int, VmOwner> { [300] = new("node1", false), [301] = new("node2", false) };
        var strategy = new VmRecordAllocationStrategy(Sys, owners.GetValueOrDefault);

        Assert.Equal(region1, await strategy.AllocateShard(region2, "300", allocations));
        Assert.Equal(region2, await strategy.AllocateShard(region1, "301", allocations));

        // VM 300 is on node2 and locked by its next operation before its record (in region1's shards) followed: it moves.
        var held = allocations.SetItem(region1, ImmutableList.Create("300"));
        owners[300] = new VmOwner("node1", true);
        Assert.Empty(await strategy.Rebalance(held, ImmutableHashSet<string>.Empty));
        owners[300] = new VmOwner("node2", true);
        Assert.Equal(["300"], await strategy.Rebalance(held, ImmutableHashSet<string>.Empty));
        Assert.Empty(await strategy.Rebalance(held, ImmutableHashSet.Create("300")));
    }
}
