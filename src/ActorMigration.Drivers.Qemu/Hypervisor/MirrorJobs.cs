using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using Serilog;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>drive-mirror block jobs of the VMs of one node (job id = drive key): start, list, finish.</summary>
public sealed class MirrorJobs(NodeSettings settings, QmpSessions qmp, TimeSpan finishTimeout, ILogger log)
{
    private string Node => settings.Node;

    public async Task StartAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var jobs = await QueryAsync(vmid, ct);
        if (jobs.Any(j => j.Device == jobId))
        {
            log.Information("Mirror of {Drive} of {VmId} on {Node} already runs", jobId, vmid, Node);
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
                log.Debug("NBD mirror target of {Drive} is written raw (asked {Format})", jobId, target.Format);
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
        log.Information("Mirroring {Drive} of {VmId} on {Node} to {Target} ({Mode})", jobId, vmid, Node, targetName, mode);
    }

    public async Task<IReadOnlyList<BlockJobInfo>> QueryAsync(int vmid, CancellationToken ct)
    {
        var r = await qmp.ExecuteAsync(vmid, "query-block-jobs", ct: ct);
        return r is JsonArray a ? a.Where(j => j is not null).Select(j => QmpMapping.BlockJob(j!)).ToList() : [];
    }

    public async Task FinishAsync(int vmid, string drive, bool pivot, CancellationToken ct)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var job = (await QueryAsync(vmid, ct)).FirstOrDefault(j => j.Device == jobId);
        if (job is null)
        {
            log.Information("No mirror job {Drive} on {VmId} ({Node}); nothing to finish", jobId, vmid, Node);
            return;
        }
        if (pivot)
        {
            if (!job.Ready) throw new InvalidOperationException($"mirror {jobId} of VM {vmid} is not ready ({job.Offset}/{job.Length})");
            await qmp.ExecuteAsync(vmid, "block-job-complete", new JsonObject { ["device"] = jobId }, ct: ct);
        }
        else
        {
            if (!job.Ready) log.Warning("Cancelling mirror {Drive} of {VmId} before it was ready: the target is incomplete", jobId, vmid);
            await qmp.ExecuteAsync(vmid, "block-job-cancel", new JsonObject { ["device"] = jobId }, ct: ct);
        }
        var deadline = DateTime.UtcNow + finishTimeout;
        while (true)
        {
            var cur = (await QueryAsync(vmid, ct)).FirstOrDefault(j => j.Device == jobId);
            if (cur is null) break;
            if (cur.Error is { } err) throw new InvalidOperationException($"mirror {jobId} of VM {vmid} failed: {err}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"mirror {jobId} of VM {vmid} did not finish within {finishTimeout}");
            await Task.Delay(100, ct);
        }
        log.Information("Mirror {Drive} of {VmId} on {Node} finished ({How})", jobId, vmid, Node, pivot ? "pivot" : "cancel, source kept");
    }

    private async Task<string> ResolveNodeAsync(int vmid, string drive, CancellationToken ct)
    {
        var r = await qmp.ExecuteAsync(vmid, "query-block", ct: ct);
        if (r is JsonArray a)
        {
            foreach (var b in a)
            {
                var qdev = QmpMapping.Str(b, "qdev");
                if (qdev is null) continue;
                if (qdev == drive || qdev == $"/machine/peripheral/{drive}/virtio-backend" || qdev == $"/machine/peripheral/{drive}")
                    if (QmpMapping.Str(b?["inserted"], "node-name") is { } n) return n;
            }
        }
        return QemuCommandLine.NodeName(drive);
    }

    private string ResolveLocalTarget(string target)
    {
        if (target.StartsWith('/')) return target;
        if (VolumeName.TryParse(target, out var v, out _) && settings.Storage.Get(v!.Storage) is { } st)
            return v.PathOn(st, Node);
        return Path.GetFullPath(target);
    }
}
