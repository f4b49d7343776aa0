using System.Collections.Immutable;

namespace ActorMigration.Domain.Ha;

/// <summary>A node the manager is fencing (<c>fence</c>) or has fenced (<c>fenced</c>), with the lines that say how.</summary>
public sealed record HaNodeFencing(string State, DateTimeOffset Since, ImmutableList<string> History);

/// <summary>
/// A resource the manager is acting on: <c>recovery</c> (task <see cref="Upid"/> runs, towards <see cref="Target"/>),
/// <c>recovered</c> (it ended OK; kept until the read model shows the record on the target, so that a late view never
/// plans a second recovery), <c>failed</c> (the last one ended in error at <see cref="Since"/>) or <c>error</c> (restarts
/// and relocations exhausted, until someone acts). <see cref="Tried"/>: nodes a start was tried on.
/// </summary>
public sealed record HaServiceRecord(string Sid, string State, string? Upid, string? Target, DateTimeOffset Since, int Restarts,
    int Relocations, ImmutableList<string> Tried, string? Error);

/// <summary>
/// What the HA manager keeps across restarts: the nodes it fences and the resources it acts on. A node or resource
/// missing here is as the cluster shows it (online; the VM's own state).
/// </summary>
public sealed record HaManagerState(
    long Recoveries, ImmutableSortedDictionary<string, HaNodeFencing> Nodes, ImmutableSortedDictionary<string, HaServiceRecord> Services)
{
    public static readonly HaManagerState Empty = new(0,
        ImmutableSortedDictionary.Create<string, HaNodeFencing>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, HaServiceRecord>(StringComparer.Ordinal));

    public const string Fence = "fence", Fenced = "fenced", Online = "online";
    public const string Recovery = "recovery", Recovered = "recovered", Failed = "failed", Error = "error";

    public bool IsFenced(string node) => Nodes.TryGetValue(node, out var n) && n.State == Fenced;

    /// <summary>
    /// The CRM state the status API shows for a resource whose VM's record is on <paramref name="node"/>:
    /// <c>recovery</c> while a recovery runs (or waits to be retried), <c>error</c>, <c>fence</c> while its node is
    /// fenced; null when the manager is not acting on it (the VM's own state applies).
    /// </summary>
    public string? CrmOf(string sid, string? node) =>
        Services.TryGetValue(sid, out var s) && s.State == Recovered ? null
        : s is not null ? (s.State == Error ? Error : Recovery)
        : node is not null && Nodes.ContainsKey(node) ? Fence
        : null;
}
