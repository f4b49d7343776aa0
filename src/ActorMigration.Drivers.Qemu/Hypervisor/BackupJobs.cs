using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Qmp;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// vzdump of a running VM: blockdev-backup (sync=full) of every drive into a qcow2 target added with blockdev-add, all
/// jobs started in one transaction so the disks share one point in time; the guest keeps running. Job id and target
/// node name: <c>vzdump-&lt;drive&gt;</c>.
/// </summary>
public sealed class BackupJobs(QmpSessions qmp, string node, ILogger log)
{
    public const string Prefix = "vzdump-";
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    /// <summary>Copies each drive into its target file (an existing qcow2 of the drive's size) and waits for the end.</summary>
    public async Task RunAsync(int vmid, IReadOnlyList<DriveBackupTarget> targets, IProgress<CopyProgress>? progress, CancellationToken ct)
    {
        var client = await qmp.GetAsync(vmid, ct);
        // A target node left by an attempt that died would block blockdev-add of the same name.
        foreach (var t in targets) await TryDeleteNodeAsync(vmid, Prefix + t.Drive, ct);
        foreach (var t in targets)
        {
            var target = JsonNode.Parse(QemuCommandLine.BlockdevJson(Prefix + t.Drive, t.Path, "qcow2", false))!.AsObject();
            await qmp.ExecuteAsync(vmid, "blockdev-add", target, ct: ct);
        }
        var pending = targets.Select(t => Prefix + t.Drive).ToHashSet();
        try
        {
            using var events = client.Subscribe();
            var actions = new JsonArray(targets.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "blockdev-backup",
                ["data"] = new JsonObject
                {
                    ["job-id"] = Prefix + t.Drive,
                    ["device"] = QemuCommandLine.NodeName(t.Drive),
                    ["target"] = Prefix + t.Drive,
                    ["sync"] = "full"
                }
            }).ToArray());
            await qmp.ExecuteAsync(vmid, "transaction", new JsonObject { ["actions"] = actions }, ct: ct);
            log.LogInformation("Backup jobs of {VmId} on {Node} started for {Count} drives", vmid, node, targets.Count);
            while (pending.Count > 0)
            {
                try
                {
                    var e = await events.WaitAsync(e => e.Name is "BLOCK_JOB_COMPLETED" or "BLOCK_JOB_CANCELLED"
                                                         && pending.Contains(e.DataString("device") ?? ""), PollEvery, ct);
                    var id = e.DataString("device")!;
                    pending.Remove(id);
                    if (e.Name == "BLOCK_JOB_CANCELLED" || e.DataString("error") is not null)
                        throw new InvalidOperationException($"backup job {id} of VM {vmid} failed: {e.DataString("error") ?? "cancelled"}");
                }
                catch (TimeoutException)
                {
                    await ReportAsync(vmid, targets.Count, progress, ct);
                }
            }
        }
        finally
        {
            foreach (var id in pending) await TryAsync(vmid, "block-job-cancel", new JsonObject { ["device"] = id, ["force"] = true }, ct);
            if (pending.Count == 0)
                foreach (var t in targets) await TryDeleteNodeAsync(vmid, Prefix + t.Drive, ct);
        }
        log.LogInformation("Backup jobs of {VmId} on {Node} completed", vmid, node);
    }

    private async Task ReportAsync(int vmid, int count, IProgress<CopyProgress>? progress, CancellationToken ct)
    {
        if (progress is null) return;
        var jobs = (await qmp.QueryBlockJobsAsync(vmid, ct)).Where(j => j.Device.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        if (jobs.Count == count) progress.Report(new CopyProgress(jobs.Sum(j => j.Offset), jobs.Sum(j => j.Length)));
    }

    private Task TryDeleteNodeAsync(int vmid, string nodeName, CancellationToken ct) =>
        TryAsync(vmid, "blockdev-del", new JsonObject { ["node-name"] = nodeName }, ct);

    /// <summary>Clean-up commands: "no such node/job" is the usual answer and no error.</summary>
    private async Task TryAsync(int vmid, string command, JsonObject args, CancellationToken ct)
    {
        try
        {
            await qmp.ExecuteAsync(vmid, command, args, ct: ct);
        }
        catch (QmpException e)
        {
            log.LogDebug("Clean-up {Command} on {VmId}: {Error}", command, vmid, e.Desc);
        }
    }
}
