using System.Collections.Immutable;
using Akka.Actor;

namespace ActorMigration.Actors.Cluster;

/// <summary>A member as placement sees it: <paramref name="Usable"/> is Up and reachable from here.</summary>
public sealed record PlacementMember(Address Address, IReadOnlySet<string> Roles, bool Usable);

/// <summary>A shard region (on one member) and the shards it holds.</summary>
public sealed record RegionSlot<TRegion>(TRegion Region, Address Address, IReadOnlyCollection<string> Shards);

/// <summary>
/// Where a shard should live: on the member hosting a hypervisor node when that member is usable, otherwise on
/// the usable member with the fewest shards. Pure (regions are opaque), so the allocation strategies stay thin.
/// </summary>
public sealed class ShardPlacement<TRegion>(IReadOnlyList<RegionSlot<TRegion>> regions, IReadOnlyList<PlacementMember> members)
    where TRegion : class
{
    public IReadOnlyList<RegionSlot<TRegion>> Regions => regions;

    /// <summary>Every region is on a usable member (a handoff waits for every region's acknowledgement).</summary>
    public bool AllRegionsUsable => regions.All(r => members.Any(m => m.Usable && m.Address == r.Address));

    /// <summary>The region on the usable member with role <c>hv-&lt;node&gt;</c>, or null.</summary>
    public TRegion? HostRegion(string? node)
    {
        if (node is null) return null;
        var role = ClusterTopology.RoleOf(node);
        var host = members.FirstOrDefault(m => m.Usable && m.Roles.Contains(role));
        return host is null ? null : regions.FirstOrDefault(r => r.Address == host.Address)?.Region;
    }

    /// <summary>The region with the fewest shards among usable members (any region when none is usable); ties by address.</summary>
    public TRegion Fallback()
    {
        if (regions.Count == 0) throw new InvalidOperationException("no shard region to place a shard on");
        var usable = regions.Where(r => members.Any(m => m.Usable && m.Address == r.Address)).ToList();
        return (usable.Count > 0 ? usable : regions)
            .OrderBy(r => r.Shards.Count).ThenBy(r => r.Address.ToString(), StringComparer.Ordinal).First().Region;
    }

    /// <summary>
    /// Shards held away from the usable member hosting their node (<paramref name="nodeOf"/>; null: the shard has no
    /// home to go to), not already moving, in order, at most <paramref name="max"/>. None while a region's member is
    /// unusable: a handoff would wait for it and hold the shard's messages meanwhile.
    /// </summary>
    public ImmutableHashSet<string> AwayFromHome(Func<string, string?> nodeOf, IImmutableSet<string> inProgress, int max) =>
        !AllRegionsUsable ? [] : regions
            .SelectMany(slot => slot.Shards.Select(shard => (slot.Region, Shard: shard)))
            .Where(s => !inProgress.Contains(s.Shard))
            .Where(s => HostRegion(nodeOf(s.Shard)) is { } home && !ReferenceEquals(home, s.Region))
            .Select(s => s.Shard)
            .Order(StringComparer.Ordinal)
            .Take(max)
            .ToImmutableHashSet();

    /// <summary>The node's member when usable, else <see cref="Fallback"/>.</summary>
    public TRegion Home(string? node) => HostRegion(node) ?? Fallback();
}
