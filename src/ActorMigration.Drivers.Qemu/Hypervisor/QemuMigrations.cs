using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Qmp;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Outgoing live migrations of the VMs of one node: start, progress, the end signal, cancel.</summary>
public sealed class QemuMigrations
{
    private readonly string _runDir;
    private readonly string _node;
    private readonly QmpSessions _qmp;
    private readonly long _unlimitedBandwidth;
    private readonly QemuTls? _tls;
    private readonly ILogger _log;
    // Completed by a MIGRATION event that ends the outgoing migration (completed, failed, cancelled).
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _ended = new();

    /// <param name="tls">The cluster's TLS: the outgoing stream is encrypted and the target authenticated; null: plain TCP.</param>
    public QemuMigrations(string runDir, string node, QmpSessions qmp, long unlimitedBandwidthBytesPerSec, QemuTls? tls, ILogger log)
    {
        _tls = tls;
        _runDir = runDir;
        _node = node;
        _qmp = qmp;
        _unlimitedBandwidth = unlimitedBandwidthBytesPerSec;
        _log = log;
        qmp.EventReceived += OnEvent;
    }

    /// <summary>Starts the migration without asking whether one runs (the caller checked; QEMU refuses a second one).</summary>
    public async Task StartAsync(int vmid, MigrationStartSpec spec, CancellationToken ct)
    {
        var files = new VmRunFiles(_runDir, vmid);
        var meta = VmMetadata.Read(files.MetaFile);
        await _qmp.ExecuteAsync(vmid, "migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(
                new JsonObject { ["capability"] = "events", ["state"] = true },
                new JsonObject { ["capability"] = "auto-converge", ["state"] = spec.AutoConverge },
                new JsonObject { ["capability"] = "postcopy-ram", ["state"] = spec.PostCopy })
        }, ct: ct);
        var parameters = Tuning(new MigrationTuning(spec.DowntimeLimitMs, spec.ThrottleCeilingPct));
        parameters["max-bandwidth"] = spec.MaxBandwidthBytesPerSec is > 0 and var bw ? bw : _unlimitedBandwidth;
        if (_tls is not null)
        {
            await _tls.EnsureClientAsync(_qmp, vmid, ct);
            _tls.AddMigrationParameters(parameters);
        }
        await _qmp.ExecuteAsync(vmid, "migrate-set-parameters", parameters, ct: ct);
        // Recorded first, so that a query right after knows a stale incoming status is not this migration's.
        if (meta is not null) (meta with { OutgoingUri = spec.Uri }).Write(files.MetaFile);
        _ended[vmid] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _qmp.ExecuteAsync(vmid, "migrate", new JsonObject { ["uri"] = spec.Uri }, ct: ct);
        }
        catch (QmpException)
        {
            // Refused (e.g. a source paused by an earlier migration): query-migrate still shows that one, not this.
            meta?.Write(files.MetaFile);
            throw;
        }
        _log.LogInformation(
            "Migrating {VmId} from {Node} to {Target} (bandwidth {Bandwidth}, downtime limit {DowntimeMs} ms, auto-converge {AutoConverge}, TLS {Tls})",
            vmid, _node, spec.Uri, spec.MaxBandwidthBytesPerSec, spec.DowntimeLimitMs, spec.AutoConverge, _tls is not null);
    }

    /// <summary>
    /// query-migrate of the outgoing migration. None, without asking QEMU, while the metadata records no outgoing
    /// migration (this driver never started one for the running VM). A VM that was itself migrated in reports its
    /// incoming "completed" (without RAM figures) until a new outgoing one has connected: that is shown as Setup
    /// (an outgoing migration was started; "completed" there made the node skip the migrate command and the
    /// workflow stop the only running copy).
    /// </summary>
    public async Task<MigrationProgress> QueryAsync(int vmid, CancellationToken ct)
    {
        var files = new VmRunFiles(_runDir, vmid);
        if (!files.IsRunning(out _)) throw new VmNotRunningException(vmid, _node);
        var meta = VmMetadata.Read(files.MetaFile);
        if (meta is { OutgoingUri: null }) return new MigrationProgress(MigrationState.None);
        var raw = await _qmp.ExecuteAsync(vmid, "query-migrate", ct: ct);
        // QEMU sets "completed" before it computes total-time and downtime (migration_completion, then
        // migration_calculate_complete): a query in between reads 0 for both. Ask again for the real figures.
        for (var i = 0; i < 1000 && CompletedWithoutTimes(raw); i++)
        {
            await Task.Delay(1, ct);
            raw = await _qmp.ExecuteAsync(vmid, "query-migrate", ct: ct);
        }
        var p = QmpMapping.Migration(raw) with { Uri = meta?.OutgoingUri };
        if (p.Status == MigrationState.Completed && raw?["ram"] is null)
            return p with { Status = meta is null ? MigrationState.None : MigrationState.Setup };
        return p;
    }

    public async Task<MigrationProgress> WaitAsync(int vmid, TimeSpan maxWait, CancellationToken ct)
    {
        // After a member restart there is no signal for a migration started before it: then this waits the full time.
        var known = _ended.TryGetValue(vmid, out var ended);
        if (known && maxWait > TimeSpan.Zero)
            await Task.WhenAny(ended!.Task, Task.Delay(maxWait, ct));
        ct.ThrowIfCancellationRequested();
        var p = await QueryAsync(vmid, ct);
        // A signal left from an earlier migration must not turn the next waits into a busy loop.
        if (known && ended!.Task.IsCompleted && !p.IsFinal) _ended.TryRemove(new(vmid, ended));
        return p;
    }

    /// <summary>The controller's new downtime limit and throttle ceiling, on the running migration.</summary>
    public async Task TuneAsync(int vmid, MigrationTuning tuning, CancellationToken ct)
    {
        await _qmp.ExecuteAsync(vmid, "migrate-set-parameters", Tuning(tuning), ct: ct);
        _log.LogInformation("Tuned migration of {VmId} on {Node}: downtime limit {DowntimeMs} ms, throttle ceiling {ThrottlePct}",
            vmid, _node, tuning.DowntimeLimitMs, tuning.ThrottleCeilingPct);
    }

    /// <summary>
    /// postcopy-ram on an incoming VM (before the stream connects): QEMU's destination refuses the source's post-copy
    /// advise without it. Where the host has no userfaultfd QEMU refuses the capability: then post-copy is not possible.
    /// </summary>
    public async Task AllowIncomingPostcopyAsync(int vmid, CancellationToken ct)
    {
        try
        {
            await _qmp.ExecuteAsync(vmid, "migrate-set-capabilities", new JsonObject
            {
                ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "postcopy-ram", ["state"] = true })
            }, ct: ct);
        }
        catch (QmpException e)
        {
            _log.LogWarning("No post-copy into {VmId} on {Node}: {Error}", vmid, _node, e.Message);
        }
    }

    public async Task StartPostcopyAsync(int vmid, CancellationToken ct)
    {
        await _qmp.ExecuteAsync(vmid, "migrate-start-postcopy", ct: ct);
        _log.LogInformation("Switched migration of {VmId} on {Node} to post-copy", vmid, _node);
    }

    /// <summary>
    /// downtime-limit, and a throttle ceiling as cpu-throttle-initial = increment = max-cpu-throttle: QEMU's next
    /// auto-converge step goes straight to it and never above it.
    /// </summary>
    private static JsonObject Tuning(MigrationTuning t)
    {
        var p = new JsonObject { ["downtime-limit"] = t.DowntimeLimitMs };
        if (t.ThrottleCeilingPct is { } pct)
        {
            p["cpu-throttle-initial"] = pct;
            p["cpu-throttle-increment"] = pct;
            p["max-cpu-throttle"] = pct;
        }
        return p;
    }

    public async Task CancelAsync(int vmid, CancellationToken ct)
    {
        await _qmp.ExecuteAsync(vmid, "migrate_cancel", ct: ct);
        _log.LogInformation("Cancelled migration of {VmId} on {Node}", vmid, _node);
    }

    /// <summary>The VM stopped: no end signal to wait for any more.</summary>
    public void Forget(int vmid) => _ended.TryRemove(vmid, out _);

    private static bool CompletedWithoutTimes(JsonNode? raw) =>
        QmpMapping.Str(raw, "status") == "completed" && raw?["ram"] is not null && QmpMapping.Long(raw, "total-time") is null or 0;

    private void OnEvent(int vmid, QmpEvent e)
    {
        if (e.Name == "MIGRATION" && e.Data?["status"]?.GetValue<string>() is "completed" or "failed" or "cancelled"
            && _ended.TryGetValue(vmid, out var ended))
            ended.TrySetResult();
    }
}
