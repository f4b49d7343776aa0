using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Qmp;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Migrations, block jobs (drive mirrors) and the NBD server of incoming VMs.</summary>
public sealed partial class QemuHypervisorDriver
{
    // ---- migration ---------------------------------------------------------

    public async Task StartMigrationAsync(int vmid, MigrationStartSpec spec, CancellationToken ct = default)
    {
        var files = FilesOf(vmid);
        var meta = VmMetadata.Read(files.MetaFile);
        // Only a VM this driver already sent somewhere can be migrating (QEMU itself refuses a second migrate).
        if (meta?.OutgoingUri is not null)
        {
            var cur = await QueryMigrationAsync(vmid, ct);
            var inFlight = cur.Status is MigrationState.Setup or MigrationState.Active or MigrationState.PreSwitchover or MigrationState.Device;
            if (meta.OutgoingUri == spec.Uri && (inFlight || cur.Status == MigrationState.Completed))
            {
                _log.Information("{VmId} on {Node} is already migrating to {Target} ({Status})", vmid, Node, spec.Uri, cur.Status);
                return;
            }
            if (inFlight)
                throw new InvalidOperationException($"VM {vmid} on {Node} is already migrating to {meta.OutgoingUri} ({cur.Status})");
        }
        await QmpAsync(vmid, "migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(
                new JsonObject { ["capability"] = "events", ["state"] = true },
                new JsonObject { ["capability"] = "auto-converge", ["state"] = spec.AutoConverge })
        }, null, ct);
        await QmpAsync(vmid, "migrate-set-parameters", new JsonObject
        {
            ["downtime-limit"] = spec.DowntimeLimitMs,
            ["max-bandwidth"] = spec.MaxBandwidthBytesPerSec is > 0 and var bw ? bw : _options.UnlimitedBandwidthBytesPerSec
        }, null, ct);
        // Recorded first, so that a query right after knows a stale incoming status is not this migration's.
        if (meta is not null) (meta with { OutgoingUri = spec.Uri }).Write(files.MetaFile);
        _migrationEnded[vmid] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await QmpAsync(vmid, "migrate", new JsonObject { ["uri"] = spec.Uri }, null, ct);
        _log.Information("Migrating {VmId} from {Node} to {Target} (bandwidth {Bandwidth}, downtime limit {DowntimeMs} ms, auto-converge {AutoConverge})",
            vmid, Node, spec.Uri, spec.MaxBandwidthBytesPerSec, spec.DowntimeLimitMs, spec.AutoConverge);
    }

    /// <summary>
    /// query-migrate of the outgoing migration. A VM that was itself migrated in reports its incoming
    /// "completed" (without RAM figures) until a new outgoing one has connected: that is shown as Setup once an
    /// outgoing migration was started, and as None before (there is no outgoing migration yet; "completed" there
    /// made the node skip the migrate command and the workflow stop the only running copy).
    /// </summary>
    public async Task<MigrationProgress> QueryMigrationAsync(int vmid, CancellationToken ct = default)
    {
        var raw = await QmpAsync(vmid, "query-migrate", null, null, ct);
        // QEMU sets "completed" before it computes total-time and downtime (migration_completion, then
        // migration_calculate_complete): a query in between reads 0 for both. Ask again for the real figures.
        for (var i = 0; i < 1000 && CompletedWithoutTimes(raw); i++)
        {
            await Task.Delay(1, ct);
            raw = await QmpAsync(vmid, "query-migrate", null, null, ct);
        }
        var p = QmpMapping.Migration(raw);
        if (p.Status == MigrationState.Completed && raw?["ram"] is null)
            return p with
            {
                Status = VmMetadata.Read(FilesOf(vmid).MetaFile) is { OutgoingUri: not null } ? MigrationState.Setup : MigrationState.None
            };
        return p;
    }

    public async Task<MigrationProgress> WaitMigrationAsync(int vmid, TimeSpan maxWait, CancellationToken ct = default)
    {
        // After a member restart there is no signal for a migration started before it: then this waits the full time.
        var known = _migrationEnded.TryGetValue(vmid, out var ended);
        if (known && maxWait > TimeSpan.Zero)
            await Task.WhenAny(ended!.Task, Task.Delay(maxWait, ct));
        ct.ThrowIfCancellationRequested();
        var p = await QueryMigrationAsync(vmid, ct);
        // A signal left from an earlier migration must not turn the next waits into a busy loop.
        if (known && ended!.Task.IsCompleted && !p.IsFinal) _migrationEnded.TryRemove(new(vmid, ended));
        return p;
    }

    private static bool CompletedWithoutTimes(JsonNode? raw) =>
        QmpMapping.Str(raw, "status") == "completed" && raw?["ram"] is not null && QmpMapping.Long(raw, "total-time") is null or 0;

    public async Task CancelMigrationAsync(int vmid, CancellationToken ct = default)
    {
        await QmpAsync(vmid, "migrate_cancel", null, null, ct);
        _log.Information("Cancelled migration of {VmId} on {Node}", vmid, Node);
    }

    // ---- block jobs / NBD ----------------------------------------------------

    public async Task StartMirrorAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct = default)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var jobs = await QueryBlockJobsAsync(vmid, ct);
        if (jobs.Any(j => j.Device == jobId))
        {
            _log.Information("Mirror of {Drive} of {VmId} on {Node} already runs", jobId, vmid, Node);
            return;
        }
        var node = await ResolveNodeAsync(vmid, jobId, ct);
        string targetName, format, mode;
        if (target.Target.StartsWith("nbd:", StringComparison.Ordinal) || target.Target.StartsWith("nbd+", StringComparison.Ordinal))
        {
            targetName = target.Target.Contains("exportname=", StringComparison.Ordinal) || target.Target.StartsWith("nbd+", StringComparison.Ordinal)
                ? target.Target
                : $"{target.Target}:exportname={QemuCommandLine.NodeName(jobId)}";
            if (!string.Equals(target.Format, "raw", StringComparison.OrdinalIgnoreCase))
                _log.Debug("NBD mirror target of {Drive} is written raw (asked {Format})", jobId, target.Format);
            format = "raw";
            mode = "existing";
        }
        else
        {
            targetName = ResolveLocalTarget(target.Target);
            format = target.Format;
            mode = File.Exists(targetName) ? "existing" : "absolute-paths";
        }
        var args = new JsonObject
        {
            ["job-id"] = jobId,
            ["device"] = node,
            ["target"] = targetName,
            ["format"] = format,
            ["sync"] = "full",
            ["mode"] = mode
        };
        if (target.BandwidthBytesPerSec is > 0 and var speed) args["speed"] = speed;
        await QmpAsync(vmid, "drive-mirror", args, null, ct);
        _log.Information("Mirroring {Drive} of {VmId} on {Node} to {Target} ({Mode})", jobId, vmid, Node, targetName, mode);
    }

    public async Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(int vmid, CancellationToken ct = default)
    {
        var r = await QmpAsync(vmid, "query-block-jobs", null, null, ct);
        return r is JsonArray a ? a.Where(j => j is not null).Select(j => QmpMapping.BlockJob(j!)).ToList() : [];
    }

    public async Task FinishMirrorAsync(int vmid, string drive, bool pivot, CancellationToken ct = default)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var job = (await QueryBlockJobsAsync(vmid, ct)).FirstOrDefault(j => j.Device == jobId);
        if (job is null)
        {
            _log.Information("No mirror job {Drive} on {VmId} ({Node}); nothing to finish", jobId, vmid, Node);
            return;
        }
        if (pivot)
        {
            if (!job.Ready) throw new InvalidOperationException($"mirror {jobId} of VM {vmid} is not ready ({job.Offset}/{job.Length})");
            await QmpAsync(vmid, "block-job-complete", new JsonObject { ["device"] = jobId }, null, ct);
        }
        else
        {
            if (!job.Ready) _log.Warning("Cancelling mirror {Drive} of {VmId} before it was ready: the target is incomplete", jobId, vmid);
            await QmpAsync(vmid, "block-job-cancel", new JsonObject { ["device"] = jobId }, null, ct);
        }
        var deadline = DateTime.UtcNow + _options.BlockJobFinishTimeout;
        while (true)
        {
            var cur = (await QueryBlockJobsAsync(vmid, ct)).FirstOrDefault(j => j.Device == jobId);
            if (cur is null) break;
            if (cur.Error is { } err) throw new InvalidOperationException($"mirror {jobId} of VM {vmid} failed: {err}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"mirror {jobId} of VM {vmid} did not finish within {_options.BlockJobFinishTimeout}");
            await Task.Delay(100, ct);
        }
        _log.Information("Mirror {Drive} of {VmId} on {Node} finished ({How})", jobId, vmid, Node, pivot ? "pivot" : "cancel, source kept");
    }

    public async Task StopNbdServerAsync(int vmid, CancellationToken ct = default)
    {
        try
        {
            await QmpAsync(vmid, "nbd-server-stop", null, null, ct);
            _log.Information("Stopped NBD server of {VmId} on {Node}", vmid, Node);
        }
        catch (QmpException e) when (e.Desc.Contains("not running", StringComparison.OrdinalIgnoreCase))
        {
        }
        var files = FilesOf(vmid);
        if (VmMetadata.Read(files.MetaFile) is { NbdPort: { } port } meta)
        {
            _ports.Release(port);
            (meta with { NbdPort = null, NbdUri = null }).Write(files.MetaFile);
        }
    }

    public async Task<string?> QueryVmGenIdAsync(int vmid, CancellationToken ct = default)
    {
        try
        {
            return QmpMapping.Str(await QmpAsync(vmid, "query-vm-generation-id", null, null, ct), "guid");
        }
        catch (QmpException)
        {
            return null;
        }
    }
}
