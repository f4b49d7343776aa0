using System.Globalization;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using Prometheus;

namespace ActorMigration.Actors.Metrics;

/// <summary>
/// Per migration running on this member (labels vmid, source, target, upid), named after KubeVirt's
/// <c>kubevirt_vmi_migration_*</c> where one fits: the last query-migrate the workflow polled, its phase and start
/// time. Every series of a migration is removed when it ends or its workflow leaves this member.
/// </summary>
public sealed class MigrationMetrics(IMetricFactory factory)
{
    private static readonly string[] Labels = ["vmid", "source", "target", "upid"];
    private readonly Gauge _processed = Create(factory, "kubevirt_vmi_migration_data_processed_bytes", "Guest memory transferred so far.");
    private readonly Gauge _remaining = Create(factory, "kubevirt_vmi_migration_data_remaining_bytes", "Guest memory still to transfer.");
    private readonly Gauge _total = Create(factory, "kubevirt_vmi_migration_data_total_bytes", "Guest memory the migration covers.");
    private readonly Gauge _dirty = Create(factory, "kubevirt_vmi_migration_dirty_memory_rate_bytes", "Rate at which the guest dirties memory (bytes/s).");
    private readonly Gauge _rate = Create(factory, "kubevirt_vmi_migration_memory_transfer_rate_bytes", "Rate at which memory is transferred (bytes/s).");
    private readonly Gauge _start = Create(factory, "kubevirt_vmi_migration_start_time_seconds", "When the migration task started (Unix time).");
    private readonly Gauge _iteration = Create(factory, "actormigration_migration_iteration",
        "Dirty-memory sync passes so far (query-migrate dirty-sync-count).");
    private readonly Gauge _downtime = Create(factory, "actormigration_migration_expected_downtime_seconds", "QEMU's expected stop-and-copy downtime.");
    private readonly Gauge _throttle = Create(factory, "actormigration_migration_cpu_throttle_percent", "The auto-converge CPU throttle in force (0: none).");
    private readonly Gauge _phase = factory.CreateGauge("actormigration_migration_phase",
        "1 for the phase the migration is in (the task status's phase without its queue position).", [.. Labels, "phase"]);
    private readonly Dictionary<string, (string[] Labels, string Phase)> _known = new(StringComparer.Ordinal);

    private static Gauge Create(IMetricFactory factory, string name, string help) => factory.CreateGauge(name, help, Labels);

    private IEnumerable<Gauge> Values => [_processed, _remaining, _total, _dirty, _rate, _start, _iteration, _downtime, _throttle];

    /// <summary>The workflow changed or polled QEMU (<paramref name="result"/>: the step's result, if any).</summary>
    public void Observe(MigrationWorkflowState state, StepResult? result)
    {
        var core = state.Core;
        if (state.Request is not { } r || !core.Started) return;
        if (core.Finished)
        {
            Remove(core.Upid);
            return;
        }
        string[] labels = [r.VmId.ToString(CultureInfo.InvariantCulture), r.Source, r.Target, core.Upid];
        var phase = state.Phase.Split(" (")[0];
        lock (_known)
        {
            if (!_known.TryGetValue(core.Upid, out var was))
                _start.WithLabels(labels).Set(core.StartedAt.ToUnixTimeMilliseconds() / 1000.0);
            else if (was.Phase != phase)
                _phase.RemoveLabelled([.. labels, was.Phase]);
            _known[core.Upid] = (labels, phase);
            _phase.WithLabels([.. labels, phase]).Set(1);
            if (result is MigrationPolled { Progress: var p } && !p.IsFinal) Progress(labels, p);
        }
    }

    private void Progress(string[] labels, MigrationProgress p)
    {
        _processed.WithLabels(labels).Set(p.TransferredBytes);
        _remaining.WithLabels(labels).Set(p.RemainingBytes);
        _total.WithLabels(labels).Set(p.TotalBytes);
        _dirty.WithLabels(labels).Set(p.DirtyBytesPerSec);
        _rate.WithLabels(labels).Set(p.SpeedBytesPerSec);
        _iteration.WithLabels(labels).Set(p.DirtySyncCount);
        _downtime.WithLabels(labels).Set((p.ExpectedDowntimeMs ?? 0) / 1000.0);
        _throttle.WithLabels(labels).Set(p.ThrottlePct);
    }

    /// <summary>The migration ended, or its workflow stopped on this member.</summary>
    public void Remove(string upid)
    {
        lock (_known)
        {
            if (!_known.Remove(upid, out var was)) return;
            foreach (var g in Values) g.RemoveLabelled(was.Labels);
            _phase.RemoveLabelled([.. was.Labels, was.Phase]);
        }
    }
}
