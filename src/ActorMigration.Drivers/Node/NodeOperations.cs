using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Domain.Workflows.VmTask;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Node;

/// <summary>
/// Every single-node step of a workflow, each named like its step, each with its reality re-check made exactly once
/// here: running a step twice (after a crash) does no harm. The driver methods it calls are primitives without
/// re-checks of their own. Errors are thrown as they come; the caller redacts host paths.
/// </summary>
public sealed partial class NodeOperations(INodeDriver driver)
{
    private IHypervisorDriver Hypervisor => driver.Hypervisor;
    private IStorageDriver Storage => driver.Storage;

    /// <summary>Runs one single-node step; <paramref name="progress"/> hears of long copies.</summary>
    public Task<StepResult> Run(WorkflowStep step, IProgress<CopyProgress>? progress = null, CancellationToken ct = default) => step switch
    {
        StartVm s => StartVm(s, ct),
        StopVm s => StopVm(s, ct),
        ShutdownVm s => ShutdownVm(s, ct),
        ResumeVm s => ResumeVm(s, ct),
        ConfirmIncoming s => ConfirmIncoming(s, ct),
        StartMigration s => StartMigration(s, ct),
        PollMigration s => PollMigration(s, ct),
        CancelMigration s => CancelMigration(s, ct),
        TuneMigration s => TuneMigration(s, ct),
        StartPostcopy s => StartPostcopy(s, ct),
        StartMirrors s => StartMirrors(s, ct),
        PollMirrors s => PollMirrors(s, ct),
        FinishMirrors s => FinishMirrors(s, ct),
        StopNbd s => StopNbd(s, ct),
        MirrorToVolumes s => MirrorToVolumes(s, ct),
        AllocateVolumes s => AllocateVolumes(s, ct),
        DeleteVolumes s => DeleteVolumes(s, ct),
        RenameVolume s => RenameVolume(s, ct),
        SnapshotVolumes s => SnapshotVolumes(s, ct),
        SnapshotRunningVm s => SnapshotRunningVm(s, ct),
        ConvertDisk s => ConvertDisk(s, progress, ct),
        BackupVm s => BackupVm(s, progress, ct),
        RestoreDisk s => RestoreDisk(s, progress, ct),
        HotplugDisk s => HotplugDisk(s, ct),
        HotplugNic s => HotplugNic(s, ct),
        ResizeDisk s => ResizeDisk(s, ct),
        PivotMirror s => PivotMirror(s, ct),
        CancelMirror s => CancelMirror(s, ct),
        ResetVm s => ResetVm(s, ct),
        PauseVm s => PauseVm(s, ct),
        _ => throw new InvalidOperationException($"no node operation for step {step.GetType().Name}")
    };

    /// <summary>Starts from the qm config: cloud-init image first (not for a migration target), volumes resolved on this node.</summary>
    public async Task<StepResult> StartVm(StartVm s, CancellationToken ct = default)
    {
        var cfg = QmConfig.Parse(s.ConfigText);
        if (s.Incoming is null) await CloudInitStart.ApplyAsync(Storage, s.VmId, cfg, ct);
        var resolved = new Dictionary<string, (string, string, long)>();
        foreach (var (_, d) in Drives.All(cfg.Main, includeUnused: false))
        {
            if (d.Volume is null || resolved.ContainsKey(d.File)) continue;
            var info = await Storage.InfoAsync(d.File, ct) ?? throw Missing(d.File);
            resolved[d.File] = (info.Path, info.Format, info.VirtualSize);
        }
        var spec = VmLaunchSpec.FromConfig(s.VmId, cfg, volid => resolved[volid]) with { Incoming = s.Incoming, Tag = s.Tag, LoadVm = s.LoadVm };
        return new VmStarted(await Hypervisor.StartAsync(spec, ct));
    }

    /// <summary>
    /// PUT …/cloudinit (vmconfig_update_cloudinit_drive): the cloud-init drives get a fresh image from the config now, as
    /// at start. A running guest keeps the image it opened (the volume is replaced, not rewritten in place).
    /// </summary>
    public Task WriteCloudInit(int vmid, string configText, CancellationToken ct = default) =>
        CloudInitStart.ApplyAsync(Storage, vmid, QmConfig.Parse(configText), ct);

    public async Task<StepResult> StopVm(StopVm s, CancellationToken ct = default)
    {
        await Hypervisor.StopAsync(s.VmId, ct);
        return Done.Instance;
    }

    public async Task<StepResult> ShutdownVm(ShutdownVm s, CancellationToken ct = default)
    {
        await Hypervisor.ShutdownAsync(s.VmId, TimeSpan.FromSeconds(s.TimeoutSeconds), ct);
        return Done.Instance;
    }

    public async Task<StepResult> ResumeVm(ResumeVm s, CancellationToken ct = default)
    {
        await Hypervisor.ResumeAsync(s.VmId, ct);
        return Done.Instance;
    }

    /// <summary>Creates volumes; an existing one of the same size is kept unless <paramref name="replaceExisting"/>.</summary>
    public async Task CreateVolumes(IReadOnlyList<VolumeAlloc> volumes, bool replaceExisting, CancellationToken ct = default)
    {
        foreach (var v in volumes)
        {
            var existing = await Storage.InfoAsync(v.Volid, ct);
            if (existing is not null)
            {
                if (!replaceExisting && existing.VirtualSize == v.SizeBytes) continue;
                await Storage.DeleteAsync(v.Volid, ct);
            }
            await Storage.CreateAsync(v.Volid, v.Format, v.SizeBytes, v.BackingVolid, ct);
        }
    }

    private static InvalidOperationException Missing(string volid) => new($"volume '{volid}' does not exist");
}
