using ActorMigration.Domain.Balance;

namespace ActorMigration.Domain.Scheduling;

/// <summary>
/// The migration queue as Decide(state, command, limits, at) → events, and Apply. It grants slots, it never starts a
/// migration. Order is priority (class) first, then arrival: FIFO per priority. A grant walk skips an entry that does
/// not fit (its source's outbound limit, its target's inbound limit, its group's cap) and goes on, so a busy node does
/// not hold back the entries of other nodes; the cluster limit ends the walk.
/// </summary>
public static class MigrationQueue
{
    /// <summary>
    /// Decides a command. <paramref name="inMaintenance"/> tells the nodes in maintenance: a queued entry that targets
    /// one is released (refused) instead of granted.
    /// </summary>
    public static IReadOnlyList<IQueueEvent> Decide(
        MigrationQueueState state, IQueueCommand command, MigrationLimits limits, DateTimeOffset at, Func<string, bool>? inMaintenance = null)
    {
        switch (command)
        {
            case RequestSlot r:
                if (state.Knows(r.Upid)) return [];
                var queued = new SlotQueued(new QueueEntry(r.Upid, r.VmId, r.Source, r.Target, r.Slot, state.NextSeq, at));
                return [queued, .. Grants(Apply(state, queued), limits, at, inMaintenance)];
            case ReleaseSlot r:
                if (!state.Knows(r.Upid)) return [];
                var released = new SlotReleased(r.Upid, r.Why, at);
                return [released, .. Grants(Apply(state, released), limits, at, inMaintenance)];
            case Regrant:
                return Grants(state, limits, at, inMaintenance);
            default:
                throw new ArgumentException($"unknown queue command {command.GetType().Name}", nameof(command));
        }
    }

    /// <summary>Decides with the limits and maintenance flags of the cluster configuration.</summary>
    public static IReadOnlyList<IQueueEvent> Decide(MigrationQueueState state, IQueueCommand command, ClusterConfigState config, DateTimeOffset at) =>
        Decide(state, command, config.Options.EffectiveLimits, at, config.IsInMaintenance);

    /// <summary>
    /// The grants (and maintenance refusals) that fit now, walking the queued entries in <see cref="Order"/>: an entry
    /// is granted while the cluster, its source's outbound, its target's inbound (if set) and its group's cap (if set)
    /// have room. Limits lowered below the running count grant nothing until enough have ended.
    /// </summary>
    public static IReadOnlyList<IQueueEvent> Grants(
        MigrationQueueState state, MigrationLimits limits, DateTimeOffset at, Func<string, bool>? inMaintenance = null)
    {
        var events = new List<IQueueEvent>();
        var total = state.Running.Count;
        var outbound = Count(state.Running.Values, e => e.Source);
        var inbound = Count(state.Running.Values, e => e.Target);
        var groups = Count(state.Running.Values.Where(e => e.Slot.Group is not null), e => e.Slot.Group!);
        foreach (var e in Order(state))
        {
            if (inMaintenance?.Invoke(e.Target) == true)
            {
                events.Add(new SlotReleased(e.Upid, ClusterConfigState.InMaintenance(e.Target), at));
                continue;
            }
            if (total >= limits.Cluster) continue; // later entries may still be refused for maintenance
            if (outbound.GetValueOrDefault(e.Source) >= limits.Outbound) continue;
            if (limits.Inbound is { } inb && inbound.GetValueOrDefault(e.Target) >= inb) continue;
            if (e.Slot is { Group: { } g, GroupCap: { } cap } && groups.GetValueOrDefault(g) >= cap) continue;
            events.Add(new SlotGranted(e.Upid, at));
            total++;
            outbound[e.Source] = outbound.GetValueOrDefault(e.Source) + 1;
            inbound[e.Target] = inbound.GetValueOrDefault(e.Target) + 1;
            if (e.Slot.Group is { } grp) groups[grp] = groups.GetValueOrDefault(grp) + 1;
        }
        return events;
    }

    /// <summary>The queued entries in grant order: priority descending, then arrival.</summary>
    public static IEnumerable<QueueEntry> Order(MigrationQueueState state) =>
        state.Queued.Values.OrderByDescending(e => SlotClasses.Priority(e.Slot.Class)).ThenBy(e => e.Seq);

    /// <summary>How many queued entries come before <paramref name="upid"/> (all nodes counted); null when it is not queued.</summary>
    public static int? Ahead(MigrationQueueState state, string upid)
    {
        if (!state.Queued.ContainsKey(upid)) return null;
        var n = 0;
        foreach (var e in Order(state))
        {
            if (e.Upid == upid) return n;
            n++;
        }
        return n;
    }

    public static MigrationQueueState Apply(MigrationQueueState s, IQueueEvent e) => e switch
    {
        SlotQueued q => s with { Queued = s.Queued.SetItem(q.Entry.Upid, q.Entry), NextSeq = Math.Max(s.NextSeq, q.Entry.Seq + 1) },
        SlotGranted g when s.Queued.TryGetValue(g.Upid, out var entry) =>
            s with { Queued = s.Queued.Remove(g.Upid), Running = s.Running.SetItem(g.Upid, entry with { Since = g.At }) },
        SlotReleased r => s with { Queued = s.Queued.Remove(r.Upid), Running = s.Running.Remove(r.Upid) },
        _ => s,
    };

    private static Dictionary<string, int> Count(IEnumerable<QueueEntry> entries, Func<QueueEntry, string> key) =>
        entries.GroupBy(key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
