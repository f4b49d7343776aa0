using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Drivers.Node;

/// <summary>Device edits of a VM: hot-plug of a new drive or NIC and growing a volume, each re-checking what is done already.</summary>
public sealed partial class NodeOperations
{
    /// <summary>Plugs what of the drive is missing in the running VM; a VM that does not run gets the drive at its next start.</summary>
    public async Task<StepResult> HotplugDisk(HotplugDisk s, CancellationToken ct = default)
    {
        if (!(await Hypervisor.GetAsync(s.VmId, ct)).IsAlive) return Done.Instance;
        var info = await Storage.InfoAsync(s.Volid, ct) ?? throw Missing(s.Volid);
        var disk = new DiskLaunch(s.Drive, Drives.Bus(s.Drive), Drives.Index(s.Drive), info.Path, info.Format, false, false, info.VirtualSize);
        var have = await Hypervisor.QueryDisksAsync(s.VmId, ct);
        if (!have.BlockNodes.Contains(s.Drive)) await Hypervisor.AddBlockNodeAsync(s.VmId, disk, ct);
        if (!have.Devices.Contains(s.Drive)) await Hypervisor.AddDiskDeviceAsync(s.VmId, disk, ct);
        return Done.Instance;
    }

    /// <summary>Plugs the NIC unless the running VM has its device already; a VM that does not run gets it at its next start.</summary>
    public async Task<StepResult> HotplugNic(HotplugNic s, CancellationToken ct = default)
    {
        if (!(await Hypervisor.GetAsync(s.VmId, ct)).IsAlive) return Done.Instance;
        if (!(await Hypervisor.QueryDisksAsync(s.VmId, ct)).Devices.Contains(s.Nic))
            await Hypervisor.AddNicAsync(s.VmId, TapPlan.FromConfig(s.Nic, s.Value), ct);
        return Done.Instance;
    }

    /// <summary>Grows the volume to the step's absolute size: live (block_resize) when the VM runs, else on the file.</summary>
    public async Task<StepResult> ResizeDisk(ResizeDisk s, CancellationToken ct = default)
    {
        var info = await Storage.InfoAsync(s.Volid, ct) ?? throw Missing(s.Volid);
        if (info.VirtualSize > s.SizeBytes) throw new InvalidOperationException(DiskEdits.Shrinking);
        if (info.VirtualSize == s.SizeBytes) return new VolumeReady(info);
        if ((await Hypervisor.GetAsync(s.VmId, ct)).IsAlive && (await Hypervisor.QueryDisksAsync(s.VmId, ct)).BlockNodes.Contains(s.Drive))
            await Hypervisor.BlockResizeAsync(s.VmId, s.Drive, s.SizeBytes, ct);
        else
            await Storage.ResizeAsync(s.Volid, s.SizeBytes, ct);
        return await Written(s.Volid, ct);
    }
}
