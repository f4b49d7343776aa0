namespace ActorMigration.Domain.Ha;

/// <summary>A node that may take a recovered resource (online, not in maintenance) and its free memory in bytes.</summary>
public sealed record HaCandidate(string Node, long FreeMemory);

/// <summary>
/// Where a resource of a failed node goes: the group's highest priority class among the candidates, then the most
/// free memory, then the node name (deterministic). A restricted group allows only its nodes; an unrestricted group
/// (or none) falls back to any candidate, as Proxmox gives non-members priority -1.
/// </summary>
public static class HaPlacement
{
    public static string? ChooseNode(HaResource resource, HaConfigState config, IReadOnlyList<HaCandidate> candidates, string failedNode) =>
        ChooseNode(resource.Group is { } g ? config.Groups.GetValueOrDefault(g) : null, candidates, failedNode);

    /// <summary>The chosen node, or null when none may take the resource.</summary>
    public static string? ChooseNode(HaGroup? group, IReadOnlyList<HaCandidate> candidates, string failedNode)
    {
        var usable = candidates.Where(c => c.Node != failedNode).ToList();
        var ranked = usable.Select(c => (Candidate: c, Priority: Priority(group, c.Node)))
            .Where(x => x.Priority is not null || group?.Restricted != true)
            .ToList();
        if (ranked.Count == 0) return null;
        var best = ranked.Max(x => x.Priority ?? -1);
        return ranked.Where(x => (x.Priority ?? -1) == best)
            .Select(x => x.Candidate)
            .OrderByDescending(c => c.FreeMemory)
            .ThenBy(c => c.Node, StringComparer.Ordinal)
            .First().Node;
    }

    private static int? Priority(HaGroup? group, string node) =>
        group?.Nodes.FirstOrDefault(n => n.Node == node)?.Priority;
}
