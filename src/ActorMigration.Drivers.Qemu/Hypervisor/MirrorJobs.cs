using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>drive-mirror block jobs of the VMs of one node (job id = drive key): start, list, finish.</summary>
public sealed class MirrorJobs(NodeSettings settings, QmpSessions qmp, TimeSpan finishTimeout, QemuTls? tls, ILogger log)
{
    private static readonly HashSet<string> EndedEvents = ["BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR"];

    private string Node => settings.Node;

    /// <summary>Starts drive-mirror without asking for running jobs (the caller checked; QEMU refuses a duplicate job id).</summary>
    public async Task StartAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var node = await ResolveNodeAsync(vmid, jobId, ct);
        string targetName, format, mode;
        if (target.Target.StartsWith("nbd:", StringComparison.Ordinal) || target.Target.StartsWith("nbd+", StringComparison.Ordinal))
        {
            targetName = target.Target.Contains("exportname=", StringComparison.Ordinal) || target.Target.StartsWith("nbd+", StringComparison.Ordinal)
                ? target.Target
                : $"{target.Target}:exportname={QemuCommandLine.NodeName(jobId)}";
            // The incoming VM's NBD server (nbd:host:port:exportname=x) takes only TLS clients of the cluster.
            if (tls is not null && targetName.StartsWith("nbd:", StringComparison.Ordinal))
            {
                await tls.EnsureClientAsync(qmp, vmid, ct);
                var at = targetName.IndexOf(":exportname=", StringComparison.Ordinal);
                targetName = tls.NbdMirrorTarget(targetName[..at], targetName[(at + ":exportname=".Length)..]);
            }
            if (!string.Equals(target.Format, "raw", StringComparison.OrdinalIgnoreCase))
                log.LogDebug("NBD mirror target of {Drive} is written raw (asked {Format})", jobId, target.Format);
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
        await qmp.ExecuteAsync(vmid, "drive-mirror", args, ct: ct);
        log.LogInformation("Mirroring {Drive} of {VmId} on {Node} to {Target} ({Mode})", jobId, vmid, Node, targetName, mode);
    }

    /// <summary>
    /// Ends the job (the caller checked that it exists and, for a pivot, is ready): block-job-complete or
    /// block-job-cancel, then waits for QEMU's event that the job ended, with one final query-block-jobs on timeout.
    /// </summary>
    public async Task FinishAsync(int vmid, string drive, bool pivot, CancellationToken ct)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var client = await qmp.GetAsync(vmid, ct);
        using (var events = client.Subscribe())
        {
            await qmp.ExecuteAsync(vmid, pivot ? "block-job-complete" : "block-job-cancel", new JsonObject { ["device"] = jobId }, ct: ct);
            try
            {
                var ended = await events.WaitAsync(e => EndedEvents.Contains(e.Name) && QmpMapping.Str(e.Data, "device") == jobId, finishTimeout, ct);
                if (ended.Name == "BLOCK_JOB_ERROR" || QmpMapping.Str(ended.Data, "error") is not null)
                    throw new InvalidOperationException($"mirror {jobId} of VM {vmid} failed: {ended.Data?.ToJsonString()}");
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                // No end event (timeout or a dropped connection): ask once.
                var cur = (await qmp.QueryBlockJobsAsync(vmid, ct)).FirstOrDefault(j => j.Device == jobId);
                if (cur?.Error is { } err) throw new InvalidOperationException($"mirror {jobId} of VM {vmid} failed: {err}");
                if (cur is not null) throw new TimeoutException($"mirror {jobId} of VM {vmid} did not finish within {finishTimeout}");
            }
        }
        log.LogInformation("Mirror {Drive} of {VmId} on {Node} finished ({How})", jobId, vmid, Node, pivot ? "pivot" : "cancel, source kept");
    }

    private async Task<string> ResolveNodeAsync(int vmid, string drive, CancellationToken ct) =>
        QmpMapping.Str((await InsertedAsync(vmid, drive, ct)), "node-name") ?? QemuCommandLine.NodeName(drive);

    /// <summary>query-block's "inserted" of the drive's device: its top block node (after a pivot, the mirror's target).</summary>
    private async Task<JsonNode?> InsertedAsync(int vmid, string drive, CancellationToken ct)
    {
        drive = QemuCommandLine.DriveKey(drive);
        if (await qmp.ExecuteAsync(vmid, "query-block", ct: ct) is not JsonArray a) return null;
        foreach (var b in a)
        {
            var qdev = QmpMapping.Str(b, "qdev");
            if (qdev == drive || qdev == $"/machine/peripheral/{drive}/virtio-backend" || qdev == $"/machine/peripheral/{drive}")
                return b?["inserted"];
        }
        return null;
    }

    /// <summary>The file the drive's device reads and writes now; null when the VM does not run or has no such drive.</summary>
    public async Task<string?> DriveFileAsync(int vmid, string drive, CancellationToken ct)
    {
        try
        {
            return QmpMapping.Str(await InsertedAsync(vmid, drive, ct), "file");
        }
        catch (VmNotRunningException)
        {
            return null;
        }
    }

    private string ResolveLocalTarget(string target)
    {
        if (target.StartsWith('/')) return target;
        if (VolumeName.TryParse(target, out var v, out _) && settings.Storage.Get(v!.Storage) is { } st)
            return v.PathOn(st, Node);
        return Path.GetFullPath(target);
    }
}
