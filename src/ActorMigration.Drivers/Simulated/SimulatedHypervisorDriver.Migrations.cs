using ActorMigration.Domain.Hypervisor;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Simulated outgoing migrations: their progress follows the migration model over simulated time.</summary>
public sealed partial class SimulatedHypervisorDriver
{
    public async Task StartMigrationAsync(int vmid, MigrationStartSpec spec, CancellationToken ct = default)
    {
        await Mutate(vmid, vm =>
        {
            // QEMU itself refuses a second migration while one runs.
            if (vm.Migration is { } old && Snapshot(old).Phase is MigrationPhase.Precopy or MigrationPhase.Switchover or MigrationPhase.Postcopy)
                throw new InvalidOperationException($"VM {vmid}: a migration to {old.Uri} is already in progress");
            var state = EffectiveState(vm);
            if (state == VmRunState.PostMigrate) // QEMU's text
                throw new InvalidOperationException("Can't migrate the vm that was paused due to previous migration");
            if (state is not (VmRunState.Running or VmRunState.Paused))
                throw new InvalidOperationException($"VM {vmid} is in state {state}; cannot migrate");

            var target = SimUris.TargetHost(spec.Uri);
            double bw = _options.LinkBandwidth(Node, target);
            if (spec.MaxBandwidthBytesPerSec is > 0 and var max) bw = Math.Min(bw, max);
            var fault = _faults.TryFire(FaultPhase.PrecopyIterations, Node, vmid)
                        ?? _faults.TryFire(FaultPhase.StopAndCopy, Node, vmid);
            vm.Migration = new SimMigrationState
            {
                Uri = spec.Uri,
                TargetNode = target,
                StartedAt = _clock.Now,
                SpeedFactor = _options.SpeedFactor,
                Params = new MigrationParams(vm.MemoryMiB * MiB, bw, spec.DowntimeLimitMs, spec.AutoConverge,
                    vm.DirtyRateBytesPerSec, vm.WorkingSetBytes, _options.SwitchoverOverheadMs, _options.InstantCopy,
                    spec.ThrottleCeilingPct, spec.PostCopy),
                FaultPhase = fault?.Phase,
                FaultIteration = fault?.Iteration ?? 1
            };
            _log.LogInformation("Node {Node}: VM {VmId} migration to {Uri} started at {BandwidthBytesPerSec} B/s",
                Node, vmid, spec.Uri, bw);
        }, ct);
    }

    public Task<MigrationProgress> QueryMigrationAsync(int vmid, CancellationToken ct = default)
    {
        if (Load(vmid) is not { } vm)
            return Task.FromResult(new MigrationProgress(MigrationState.None, Error: $"VM {vmid} not running"));
        if (vm.Migration is not { } m) return Task.FromResult(new MigrationProgress(MigrationState.None));
        var s = Snapshot(m);
        if (s.Phase == MigrationPhase.Completed && SimUris.ReceivedFile(m.Uri) is { } received && !File.Exists(received))
            SimFiles.WriteJson(received, new { vm.VmId, From = Node });
        return Task.FromResult(s.ToProgress(m.Params, m.Uri));
    }

    public async Task CancelMigrationAsync(int vmid, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (Load(vmid) is not { } vm || vm.Migration is not { } m) return;
            if (Snapshot(m).Phase is not (MigrationPhase.Precopy or MigrationPhase.Switchover)) return;
            m.CancelledAt = _clock.Now;
            Save(vm);
        }
        finally
        {
            _gate.Release();
        }
        _log.LogInformation("Node {Node}: VM {VmId} migration cancelled", Node, vmid);
    }

    /// <summary>migrate-set-parameters on the running migration: QEMU reads the values at its next bitmap sync.</summary>
    public async Task TuneMigrationAsync(int vmid, MigrationTuning tuning, CancellationToken ct = default)
    {
        // QEMU's checks (migrate_params_check), before anything changes.
        if (tuning.DowntimeLimitMs is < 0 or > MaxDowntimeLimitMs)
            throw new InvalidOperationException("Parameter 'downtime_limit' expects an integer in the range of 0 to 2000 seconds");
        if (tuning.ThrottleCeilingPct is < 1 or > MigrationParams.ThrottleMaxPct)
            throw new InvalidOperationException("Parameter 'cpu_throttle_initial' expects an integer in the range of 1 to 99");
        await ChangeMigration(vmid, new MigrationChange(0, tuning.DowntimeLimitMs, tuning.ThrottleCeilingPct), ct);
        _log.LogInformation("Node {Node}: VM {VmId} migration tuned: downtime limit {DowntimeMs} ms, throttle ceiling {ThrottlePct}",
            Node, vmid, tuning.DowntimeLimitMs, tuning.ThrottleCeilingPct);
    }

    /// <summary>migrate-start-postcopy: refused as QEMU does without the capability or a migration; ignored once it ended.</summary>
    public async Task StartPostcopyAsync(int vmid, CancellationToken ct = default)
    {
        await ChangeMigration(vmid, new MigrationChange(0, Postcopy: true), ct, m =>
        {
            if (!m.Params.PostCopy) throw new InvalidOperationException("Enable postcopy with migrate_set_capability before the start of migration");
        });
        _log.LogInformation("Node {Node}: VM {VmId} migration switched to post-copy", Node, vmid);
    }

    private const long MaxDowntimeLimitMs = 2000 * 1000;

    /// <summary>Records <paramref name="change"/> at the current simulated time on the running migration.</summary>
    private Task ChangeMigration(int vmid, MigrationChange change, CancellationToken ct, Action<SimMigrationState>? check = null) =>
        Mutate(vmid, vm =>
        {
            if (vm.Migration is not { } m)
            {
                if (change.Postcopy) throw new InvalidOperationException("Postcopy must be started after migration has been started");
                return; // QEMU keeps parameters for a later migration; ours come with each start
            }
            check?.Invoke(m);
            if (Snapshot(m).Phase is not (MigrationPhase.Precopy or MigrationPhase.Switchover or MigrationPhase.Postcopy)) return;
            _plans.TryRemove($"{m.Id}/{m.Changes.Count}", out _); // the plan without this change is not asked for again
            m.Changes.Add(change with { AtSec = _clock.SimSecondsSince(m.StartedAt, m.SpeedFactor) });
        }, ct);

    private MigrationSnapshot Snapshot(SimMigrationState m)
    {
        var plan = _plans.GetOrAdd($"{m.Id}/{m.Changes.Count}", _ => MigrationPlan.Compute(m.Params, m.Changes));
        var t = _clock.SimSecondsSince(m.StartedAt, m.SpeedFactor);
        double? failAt = m.FaultPhase switch
        {
            FaultPhase.PrecopyIterations => plan.PrecopyFailureSec(m.FaultIteration),
            FaultPhase.StopAndCopy when plan.Converges => plan.SwitchoverStartSec,
            _ => null
        };
        var error = $"{m.FaultPhase}: simulated migration failure (injected)";
        // A target stopped before the end breaks the stream, as QEMU's source then sees a reset connection.
        if (TargetGoneAt(m) is { } gone && (failAt is null || SimSince(m, gone) < failAt))
        {
            failAt = SimSince(m, gone);
            error = "Unable to write to socket: Connection reset by peer";
        }
        double? cancelAt = m.CancelledAt is { } c ? SimSince(m, c) : null;
        return plan.At(t, failAt, error, cancelAt);
    }

    private static double SimSince(SimMigrationState m, DateTimeOffset at) => Math.Max(0, (at - m.StartedAt).TotalSeconds) * m.SpeedFactor;

    /// <summary>When the incoming VM of <paramref name="m"/> was stopped without being resumed, if it was.</summary>
    private static DateTimeOffset? TargetGoneAt(SimMigrationState m) =>
        SimUris.ReceivedFile(m.Uri) is { } received && SimFiles.ReadJson<SimTargetGone>(SimPaths.GoneFile(received)) is { } g ? g.At : null;
}
