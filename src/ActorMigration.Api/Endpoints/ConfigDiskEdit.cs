using ActorMigration.Actors.Workflows;
using ActorMigration.Api.Http;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Workflows.Create;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// New disks of a config edit (<c>scsi1=local:2</c>, as update_vm_api's create_disks): named like create's, the set
/// then holds the new volume ids; the qmconfig task allocates them, writes the config and hot-plugs them.
/// </summary>
internal static class ConfigDiskEdit
{
    /// <summary>Plans the new disks among <paramref name="set"/> and puts their volume ids and sizes in it.</summary>
    public static async Task<(List<DiskPlan> Disks, IResult? Error)> PlanAsync(ApiServices s, string node, int vmid, Dictionary<string, string> set)
    {
        var cfg = QmConfig.Parse("");
        foreach (var (k, v) in set)
        {
            if (!Drives.IsDriveKey(k) || Drives.IsUnused(k) || DriveSpec.Parse(v) is not { } d || !d.IsAllocation(out _, out _)
                || CloudInitDrive.IsRequest(d, out _)) continue;
            if (d.ImportFrom is not null) return ([], PveResult.Error("importing disks through a config edit is not supported; import them at create time"));
            cfg[k] = v;
        }
        if (!cfg.Main.Keys.Any()) return ([], null);
        var (plans, error) = await QemuEndpoints.PlanDisks(s, node, vmid, cfg, null);
        if (error is not null) return ([], error);
        foreach (var d in plans)
        {
            var spec = DriveSpec.Parse(d.Options.Length == 0 ? d.DstVolid : $"{d.DstVolid},{d.Options}");
            spec.File = d.DstVolid;
            spec.SizeBytes = CreateMachine.AllocationSize(d);
            set[d.Drive] = spec.ToString();
        }
        return (plans, null);
    }

    /// <summary>A synchronous edit (PUT) waits for its task: null data when it ended well, its error otherwise.</summary>
    public static async Task<IResult> AwaitEnd(ApiServices s, string upid, IResult started)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(10);
        while (true)
        {
            var status = await s.Tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), ApiServices.AskTimeout);
            if (!status.Exists) return status.ExitStatus is { } refusal ? PveResult.Error(refusal) : started;
            if (!status.Running)
                return TaskLog.IsOk(status.ExitStatus) ? PveResult.Data(null) : PveResult.Error(status.ExitStatus ?? "unknown task status");
            if (DateTimeOffset.UtcNow > deadline) return PveResult.Error($"got timeout - task '{upid}' still runs");
            await Task.Delay(100);
        }
    }
}
