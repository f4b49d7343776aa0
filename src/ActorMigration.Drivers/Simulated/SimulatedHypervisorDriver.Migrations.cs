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
            if (vm.Migration is { } old && Snapshot(old).Phase is MigrationPhase.Precopy or MigrationPhase.Switchover)
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
                    vm.DirtyRateBytesPerSec, vm.WorkingSetBytes, _options.SwitchoverOverheadMs, _options.InstantCopy),
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
        return Task.FromResult(new MigrationProgress(
            s.Phase switch
            {
                MigrationPhase.Completed => MigrationState.Completed,
                MigrationPhase.Failed => MigrationState.Failed,
                MigrationPhase.Cancelled => MigrationState.Cancelled,
                _ => MigrationState.Active
            },
            TotalBytes: m.Params.RamBytes,
            TransferredBytes: (long)s.TransferredBytes,
            RemainingBytes: (long)Math.Ceiling(s.RemainingBytes),
            SpeedBytesPerSec: m.Params.BandwidthBytesPerSec,
            DirtyPagesRate: s.DirtyPagesRate,
            PageSize: MigrationParams.PageSize,
            DirtySyncCount: s.DirtySyncCount,
            ExpectedDowntimeMs: s.ExpectedDowntimeMs is { } e ? (long)Math.Round(e) : null,
            DowntimeMs: s.DowntimeMs is { } d ? (long)Math.Round(d) : null,
            TotalTimeMs: (long)Math.Round(s.ElapsedSec * 1000),
            Error: s.Error,
            Uri: m.Uri));
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

    public Task TuneMigrationAsync(int vmid, MigrationTuning tuning, CancellationToken ct = default) =>
        throw new NotSupportedException("the simulated driver does not tune migrations yet");

    public Task StartPostcopyAsync(int vmid, CancellationToken ct = default) =>
        throw new NotSupportedException("the simulated driver has no post-copy yet");

    private MigrationSnapshot Snapshot(SimMigrationState m)
    {
        var plan = _plans.GetOrAdd(m.Id, _ => MigrationPlan.Compute(m.Params));
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
