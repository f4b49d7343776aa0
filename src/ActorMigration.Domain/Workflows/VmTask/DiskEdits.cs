using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Workflows.VmTask;

/// <summary>Grow <paramref name="Disk"/> (volume <paramref name="Volid"/>) to <paramref name="SizeBytes"/> (absolute, so a rerun is a no-op).</summary>
public sealed record DiskResize(string Disk, string Volid, long SizeBytes);

/// <summary>
/// Plugs a drive of the config into the running VM (blockdev-add + device_add, the SCSI controller first if missing).
/// Idempotent: what is plugged already is skipped; a VM that does not run needs nothing.
/// </summary>
public sealed record HotplugDisk(string Key, string Node, int VmId, string Drive, string Volid) : WorkflowStep(Key);

/// <summary>Grows a volume: QMP block_resize when the VM runs, qemu-img resize when not. Equal size: nothing to do.</summary>
public sealed record ResizeDisk(string Key, string Node, int VmId, string Drive, string Volid, long SizeBytes) : WorkflowStep(Key);

/// <summary>The rules of disk edits (qemu-server's resize_vm and vm_deviceplug), shared by the API and the workflow.</summary>
public static class DiskEdits
{
    public const string Shrinking = "shrinking disks is not supported";

    /// <summary>Buses whose disks can be hot-plugged (vm_deviceplug: virtio and scsi; ide and sata cannot).</summary>
    public static bool CanHotplug(string drive) => Drives.Bus(drive) is "scsi" or "virtio";

    public static string CannotHotplug(string drive) => $"can't hotplug device '{drive}'";

    /// <summary>The disk to resize, or resize_vm's error for it.</summary>
    public static (DriveSpec? Drive, string? Error) ResizableDisk(QmConfig cfg, string disk)
    {
        if (cfg[disk] is not { } value) return (null, $"disk '{disk}' does not exist");
        var d = DriveSpec.TryParse(value);
        if (d is null || d.File.Length == 0) return (null, $"disk '{disk}' has no associated volume");
        if (d.IsCdrom) return (null, "you can't resize a cdrom");
        if (d.Volume is null) return (null, $"disk '{disk}' has no associated volume");
        return (d, null);
    }

    /// <summary>
    /// The new size for <c>[+]&lt;n&gt;[KMGT]</c> against the current size: relative with '+', never smaller
    /// (resize_vm: "shrinking disks is not supported").
    /// </summary>
    public static (long Size, string? Error) NewSize(string sizeText, long current)
    {
        var relative = sizeText.StartsWith('+');
        if (!SizeFormat.TryParse(relative ? sizeText[1..] : sizeText, out var n)) return (0, $"unable to parse size '{sizeText}'");
        var size = relative ? current + n : n;
        return size < current ? (0, Shrinking) : (size, null);
    }

    /// <summary>The drive's config value with its new size.</summary>
    public static string WithSize(string value, long size)
    {
        var d = DriveSpec.Parse(value);
        d.SizeBytes = size;
        return d.ToString();
    }
}
