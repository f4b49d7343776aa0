using System.Text.Json.Nodes;
using ActorMigration.Domain.Workflows.Snapshot;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// Internal qcow2 snapshots of running VMs through QMP (block node drive-&lt;key&gt;): a transaction of
/// blockdev-snapshot-internal-sync (disks only, atomic across them), the snapshot-save job (disks and RAM state,
/// the state saved into one of the disks), and blockdev-snapshot-delete-internal-sync.
/// </summary>
public sealed class QemuSnapshots(string node, QmpSessions qmp, TimeSpan jobTimeout, ILogger log)
{
    public async Task CreateAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, string? vmStateDrive, CancellationToken ct)
    {
        if (vmStateDrive is null)
        {
            if (drives.Count == 0) return;
            var actions = new JsonArray();
            foreach (var d in drives)
                actions.Add(new JsonObject
                {
                    ["type"] = "blockdev-snapshot-internal-sync",
                    ["data"] = new JsonObject { ["device"] = QemuCommandLine.NodeName(d.Drive), ["name"] = name }
                });
            await qmp.ExecuteAsync(vmid, "transaction", new JsonObject { ["actions"] = actions }, ct: ct);
            log.LogInformation("Snapshot {Snapshot} of the {Drives} drives of running {VmId} on {Node}", name, drives.Count, vmid, node);
            return;
        }
        await SaveAsync(vmid, drives, name, vmStateDrive, ct);
    }

    public async Task DeleteAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, CancellationToken ct)
    {
        foreach (var d in drives)
            await qmp.ExecuteAsync(vmid, "blockdev-snapshot-delete-internal-sync",
                new JsonObject { ["device"] = QemuCommandLine.NodeName(d.Drive), ["name"] = name }, ct: ct);
        log.LogInformation("Snapshot {Snapshot} deleted from {Drives} drives of running {VmId} on {Node}", name, drives.Count, vmid, node);
    }

    /// <summary>snapshot-save: the guest pauses while its RAM is written, then runs on. A leftover job of an earlier try is dismissed.</summary>
    private async Task SaveAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, string vmStateDrive, CancellationToken ct)
    {
        var jobId = "snapsave-" + name;
        if (await JobAsync(vmid, jobId, ct) is not null) await qmp.ExecuteAsync(vmid, "job-dismiss", new JsonObject { ["id"] = jobId }, ct: ct);
        var devices = new JsonArray();
        foreach (var d in drives) devices.Add(QemuCommandLine.NodeName(d.Drive));
        var client = await qmp.GetAsync(vmid, ct);
        using (var events = client.Subscribe())
        {
            await qmp.ExecuteAsync(vmid, "snapshot-save", new JsonObject
            {
                ["job-id"] = jobId, ["tag"] = name, ["vmstate"] = QemuCommandLine.NodeName(vmStateDrive), ["devices"] = devices
            }, ct: ct);
            try
            {
                await events.WaitAsync(e => e.Name == "JOB_STATUS_CHANGE" && e.DataString("id") == jobId && e.DataString("status") == "concluded",
                    jobTimeout, ct);
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                log.LogWarning("No end event of {Job} of {VmId} on {Node}: {Error}", jobId, vmid, node, e.Message);
            }
        }
        var job = await JobAsync(vmid, jobId, ct) ?? throw new InvalidOperationException($"snapshot-save job {jobId} of VM {vmid} vanished");
        var status = QmpMapping.Str(job, "status");
        if (status != "concluded") throw new TimeoutException($"snapshot-save of VM {vmid} did not end within {jobTimeout} ({status})");
        await qmp.ExecuteAsync(vmid, "job-dismiss", new JsonObject { ["id"] = jobId }, ct: ct);
        if (QmpMapping.Str(job, "error") is { } error) throw new InvalidOperationException($"saving the VM state of VM {vmid} failed: {error}");
        log.LogInformation("Snapshot {Snapshot} with RAM state (in {Drive}) of running {VmId} on {Node}", name, vmStateDrive, vmid, node);
    }

    private async Task<JsonNode?> JobAsync(int vmid, string jobId, CancellationToken ct) =>
        (await qmp.ExecuteAsync(vmid, "query-jobs", ct: ct)) is JsonArray jobs ? jobs.FirstOrDefault(j => QmpMapping.Str(j, "id") == jobId) : null;
}
