using System.Collections.Immutable;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Tasks;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Placement;

/// <summary>Placement of workflow and VM-record shards over a fake membership (three members, one node each).</summary>
public sealed class ShardPlacementTests
{
    private static Address Member(int i) => new("akka.ssl.tcp", "actormigration", "127.0.0.1", 4000 + i);

    /// <summary>member1..3 host node1..3; <paramref name="gone"/> members are not usable (down, unreachable, leaving).</summary>
    private static ShardPlacement<string> Cluster(Dictionary<string, string[]> shards, params int[] gone) =>
        new(shards.Select(kv => new RegionSlot<string>(kv.Key, Member(int.Parse(kv.Key[^1..])), kv.Value)).ToList(),
            Enumerable.Range(1, 3).Select(i => new PlacementMember(Member(i), ImmutableHashSet.Create($"hv-node{i}"), !gone.Contains(i)))
                .ToList());

    private static Dictionary<string, string[]> Regions(string[]? r1 = null, string[]? r2 = null, string[]? r3 = null) => new()
    {
        ["region1"] = r1 ?? [],
        ["region2"] = r2 ?? [],
        ["region3"] = r3 ?? [],
    };

    [Fact]
    public void A_shard_of_a_node_lives_on_the_member_hosting_it()
    {
        var p = Cluster(Regions(r2: ["a", "b"]));
        Assert.Equal("region1", p.Home("node1"));
        Assert.Equal("region2", p.Home("node2"));
        Assert.Equal("region3", p.Home("node3"));
    }

    [Fact]
    public void With_the_hosting_member_gone_the_survivor_with_the_fewest_shards_takes_it()
    {
        var p = Cluster(Regions(r2: ["a", "b"], r3: ["c"]), gone: 1);
        Assert.Null(p.HostRegion("node1"));
        Assert.Equal("region3", p.Home("node1"));
    }

    [Fact]
    public void A_region_on_an_unusable_member_is_never_chosen_while_another_is_usable()
    {
        // member1 is gone but its region still holds nothing: the least-loaded rule alone would pick it.
        var p = Cluster(Regions(r2: ["a"], r3: ["b", "c"]), gone: 1);
        Assert.Equal("region2", p.Fallback());
    }

    [Fact]
    public void An_unknown_node_or_an_old_shard_falls_back()
    {
        var p = Cluster(Regions(r1: ["x"], r3: ["y"]));
        Assert.Equal("region2", p.Home("node9"));
        Assert.Equal("region2", p.Home(null));
    }

    [Fact]
    public void No_region_at_all_is_an_error_not_a_guess() =>
        Assert.Throws<InvalidOperationException>(() => new ShardPlacement<string>([], []).Fallback());

    [Fact]
    public void A_workflow_shard_is_the_task_node_and_a_stable_bucket_from_the_upid_alone()
    {
        var upid = new Upid("node1", 1234, 5678, 1_700_000_000, "qmigrate", "300", "root@pam").ToString();
        var shard = WorkflowMessageExtractor.ShardOf(upid);

        Assert.StartsWith("node1:", shard);
        Assert.Equal(shard, WorkflowMessageExtractor.ShardOf(upid));
        Assert.Equal(shard, new WorkflowMessageExtractor().ShardId(new WakeTask(upid)));
        Assert.Equal("node1", WorkflowMessageExtractor.NodeOf(shard));
        var buckets = Enumerable.Range(0, 200)
            .Select(i => WorkflowMessageExtractor.ShardOf(new Upid("node1", i, 5678, 1_700_000_000 + i, "qmigrate", "300", "root@pam").ToString()))
            .ToHashSet();
        Assert.True(buckets.Count > 1 && buckets.Count <= WorkflowMessageExtractor.BucketsPerNode, string.Join(",", buckets));
    }

    [Fact]
    public void An_old_numeric_shard_or_an_unparsed_upid_has_no_node()
    {
        Assert.Null(WorkflowMessageExtractor.NodeOf("17"));
        Assert.Null(WorkflowMessageExtractor.NodeOf(WorkflowMessageExtractor.ShardOf("not a upid")));
    }

    [Fact]
    public void A_vm_record_follows_its_vm_to_the_owners_member_locked_or_not()
    {
        var owners = new Dictionary<int, VmOwner> { [300] = new("node2", false), [301] = new("node1", false), [304] = new("node2", true) };
        var p = Cluster(Regions(r1: ["300", "301", "304"]));
        Assert.Equal(["300", "304"], VmRecordAllocationStrategy.Moves(p, owners.GetValueOrDefault, ImmutableHashSet<string>.Empty).Order());
    }

    [Fact]
    public void An_unknown_or_homeless_vm_record_stays_where_it_is()
    {
        var owners = new Dictionary<int, VmOwner>
        {
            [302] = new("node3", false), // its member is gone
            [303] = new(null, false),
        };
        var p = Cluster(new Dictionary<string, string[]> { ["region1"] = ["300", "301", "302", "303"], ["region2"] = [] }, gone: 3);
        Assert.Empty(VmRecordAllocationStrategy.Moves(p, owners.GetValueOrDefault, ImmutableHashSet<string>.Empty));
    }

    [Fact]
    public void No_vm_record_moves_while_a_regions_member_is_unusable()
    {
        var owners = new Dictionary<int, VmOwner> { [300] = new("node2", false) };
        Assert.Empty(VmRecordAllocationStrategy.Moves(Cluster(Regions(r1: ["300"]), gone: 3), owners.GetValueOrDefault,
            ImmutableHashSet<string>.Empty));
    }

    [Fact]
    public void Vm_records_move_a_few_at_a_time_and_never_twice()
    {
        var owners = Enumerable.Range(300, 10).ToDictionary(v => v, _ => new VmOwner("node2", false));
        var p = Cluster(Regions(r1: owners.Keys.Select(v => v.ToString()).ToArray()));
        var moves = VmRecordAllocationStrategy.Moves(p, owners.GetValueOrDefault, ImmutableHashSet.Create("300"));
        Assert.Equal(VmRecordAllocationStrategy.MovesPerRound, moves.Count);
        Assert.DoesNotContain("300", moves);
    }
}
