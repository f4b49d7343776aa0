using System.Collections.Immutable;
using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Workflows.HaRecovery;

namespace ActorMigration.Domain.Ha;

/// <summary>
/// The HA manager's rules (Proxmox's CRM), pure. A node that is not online and carries HA resources is fenced
/// (<c>fence</c>) and counts as <c>fenced</c> only once its lease has expired: then its watchdog has killed its VMs.
/// Each resource on a fenced node gets one recovery task to the node <see cref="HaPlacement"/> chooses. A recovery
/// that failed to start the VM is retried on the same node <c>max_restart</c> times, then relocated <c>max_relocate</c>
/// times, then the resource is in <c>error</c> until it is set to disabled (or removed). A node in maintenance is
/// neither fenced nor a target.
/// </summary>
public static class HaManager
{
    /// <summary>Wait after a failed recovery before the next one (no hot loop on a refusal).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public const string Recover = "recover", Restart = "restart", Relocate = "relocate";

    public static IReadOnlyList<IHaManagerEvent> Decide(HaManagerState state, HaObservation o)
    {
        var events = new List<IHaManagerEvent>();
        var s = state;
        void Emit(IHaManagerEvent e)
        {
            events.Add(e);
            s = Apply(s, e);
        }

        var managed = o.Config.Resources.Values.Where(HaServiceState.IsManaged).ToList();
        foreach (var n in o.Nodes.Values)
            foreach (var e in DecideNode(s, n, managed, o)) Emit(e);
        var sids = managed.Select(r => r.Sid).Concat(s.Services.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var sid in sids)
            foreach (var e in DecideService(s, sid, o)) Emit(e);
        return events;
    }

    private static IEnumerable<IHaManagerEvent> DecideNode(HaManagerState s, HaNodeView n, List<HaResource> managed, HaObservation o)
    {
        var fencing = s.Nodes.GetValueOrDefault(n.Node);
        if (n.Online || n.Maintenance)
        {
            if (fencing is not null)
                yield return Changed(n.Node, fencing.State, HaManagerState.Online, o.At);
            yield break;
        }
        if (fencing is null)
        {
            if (!managed.Any(r => o.Vms.TryGetValue(r.VmId, out var vm) && vm.Node == n.Node)) yield break;
            yield return Changed(n.Node, HaManagerState.Online, HaManagerState.Fence, o.At);
            fencing = new HaNodeFencing(HaManagerState.Fence, o.At, []);
        }
        if (fencing.State == HaManagerState.Fence && n.Lease == HaLease.Expired)
        {
            var expired = n.LeaseExpiresAt is { } t ? TaskLog.UtcClock(t) : "?";
            yield return Changed(n.Node, HaManagerState.Fence, HaManagerState.Fenced, o.At,
                $"fencing: acknowledged - the lease of node '{n.Node}' expired at {expired} (UTC)");
        }
    }

    private static HaNodeStateChanged Changed(string node, string from, string to, DateTimeOffset at, params string[] before) =>
        new(node, to, [.. before.Append($"node '{node}': state changed from '{from}' => '{to}'").Select(l => TaskLog.Line(at, l))], at);

    private static IEnumerable<IHaManagerEvent> DecideService(HaManagerState s, string sid, HaObservation o)
    {
        var r = o.Config.Resources.GetValueOrDefault(sid);
        var rec = s.Services.GetValueOrDefault(sid);
        if (r is null || !HaServiceState.IsManaged(r) || !o.Vms.TryGetValue(r.VmId, out var vm))
        {
            if (rec is not null) yield return new HaServiceCleared(sid, o.At);
            yield break;
        }
        if (rec?.State == HaManagerState.Error)
        {
            // Proxmox: setting the resource to disabled clears the error flag.
            if (r.EffectiveState == HaStates.Disabled) yield return new HaServiceCleared(sid, o.At);
            yield break;
        }
        if (rec?.State == HaManagerState.Recovered)
        {
            // Done once this member's read model shows the record moved (or its node is no longer fenced).
            if (vm.Node == rec.Target || !s.IsFenced(vm.Node)) yield return new HaServiceCleared(sid, o.At);
            yield break;
        }
        if (rec?.State == HaManagerState.Recovery)
        {
            if (!o.Tasks.TryGetValue(rec.Upid!, out var task) || !task.Ended) yield break;
            yield return new HaRecoveryEnded(sid, rec.Upid!, task.Error, o.At);
            if (task.Error is null) yield break;
            rec = rec with { State = HaManagerState.Failed, Since = o.At, Error = task.Error };
        }
        if (vm.Locked || rec is not null && o.At - rec.Since < RetryAfter) yield break;
        var start = r.EffectiveState == HaStates.Started;
        if (s.IsFenced(vm.Node))
        {
            if (Choose(r, o, vm.Node, []) is { } target)
                yield return Plan(s, r, vm.Node, target, Recover, start, s.Nodes[vm.Node].History, o.At);
            yield break;
        }
        if (rec is null) yield break;
        if (!(o.Nodes.GetValueOrDefault(vm.Node)?.Online ?? false)) yield break; // a lost node is fenced first
        if (!start)
        {
            yield return new HaServiceCleared(sid, o.At);
            yield break;
        }
        if (rec.Restarts < r.EffectiveMaxRestart)
            yield return Plan(s, r, vm.Node, vm.Node, Restart, start, [], o.At);
        else if (rec.Relocations < r.EffectiveMaxRelocate && Choose(r, o, vm.Node, rec.Tried) is { } other)
            yield return Plan(s, r, vm.Node, other, Relocate, start, [], o.At);
        else
            yield return new HaServiceFailed(sid,
                $"service '{sid}' in error state: start failed on node(s) {string.Join(", ", rec.Tried.Append(vm.Node).Distinct())}: {rec.Error}", o.At);
    }

    private static string? Choose(HaResource r, HaObservation o, string from, IReadOnlyCollection<string> tried)
    {
        var candidates = o.Nodes.Values
            .Where(n => n.Online && !n.Maintenance && n.FreeMemory is not null && !tried.Contains(n.Node))
            .Select(n => new HaCandidate(n.Node, n.FreeMemory!.Value))
            .ToList();
        return HaPlacement.ChooseNode(r, o.Config, candidates, from);
    }

    private static HaRecoveryPlanned Plan(HaManagerState s, HaResource r, string from, string to, string kind, bool start,
        IReadOnlyList<string> history, DateTimeOffset at)
    {
        var upid = new Upid(to, 0, s.Recoveries + 1, at.ToUnixTimeSeconds(), HaRecoveryMachine.TaskType,
            r.VmId.ToString(System.Globalization.CultureInfo.InvariantCulture), "root@pam");
        return new HaRecoveryPlanned(r.Sid, upid.ToString(), from, to, kind, start, history, at);
    }

    /// <summary>The task request of a planned recovery (also to send it again after the manager restarted).</summary>
    public static HaRecoveryRequest RequestOf(HaRecoveryPlanned p) =>
        new(HaSid.VmIdOf(p.Sid), p.From, p.To, p.Kind == Recover, p.Start, p.History);

    public static HaManagerState Apply(HaManagerState s, IHaManagerEvent e) => e switch
    {
        HaNodeStateChanged c when c.State == HaManagerState.Online => s with { Nodes = s.Nodes.Remove(c.Node) },
        HaNodeStateChanged c => s with
        {
            Nodes = s.Nodes.SetItem(c.Node, new HaNodeFencing(c.State,
                s.Nodes.TryGetValue(c.Node, out var n) && n.State == c.State ? n.Since : c.At,
                (n?.History ?? []).AddRange(c.Lines))),
        },
        HaRecoveryPlanned p => s with
        {
            Recoveries = s.Recoveries + 1,
            Services = s.Services.SetItem(p.Sid, Planned(s.Services.GetValueOrDefault(p.Sid), p)),
        },
        HaRecoveryEnded x when s.Services.TryGetValue(x.Sid, out var r) => s with
        {
            Services = s.Services.SetItem(x.Sid, x.Error is null
                ? r with { State = HaManagerState.Recovered, Since = x.At }
                : r with { State = HaManagerState.Failed, Since = x.At, Error = x.Error }),
        },
        HaServiceFailed f when s.Services.TryGetValue(f.Sid, out var r) => s with
        {
            Services = s.Services.SetItem(f.Sid, r with { State = HaManagerState.Error, Since = f.At, Error = f.Reason }),
        },
        HaServiceFailed f => s with
        {
            Services = s.Services.SetItem(f.Sid, new HaServiceRecord(f.Sid, HaManagerState.Error, null, null, f.At, 0, 0, [], f.Reason)),
        },
        HaServiceCleared c => s with { Services = s.Services.Remove(c.Sid) },
        _ => s
    };

    private static HaServiceRecord Planned(HaServiceRecord? r, HaRecoveryPlanned p)
    {
        var tried = r?.Tried ?? ImmutableList<string>.Empty;
        if (!tried.Contains(p.To)) tried = tried.Add(p.To);
        return new HaServiceRecord(p.Sid, HaManagerState.Recovery, p.Upid, p.To, p.At,
            p.Kind == Restart ? (r?.Restarts ?? 0) + 1 : 0,
            (r?.Relocations ?? 0) + (p.Kind == Relocate ? 1 : 0),
            tried, r?.Error);
    }
}
