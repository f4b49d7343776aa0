using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>Launch specs for the test guest.</summary>
public static class Specs
{
    public static VmLaunchSpec Guest(int vmid, string tag, IReadOnlyList<DiskLaunch>? disks = null, string? vmgenid = null,
        IReadOnlyList<NicLaunch>? nics = null, long memoryMiB = 256) =>
        new(vmid, $"test-{vmid}", memoryMiB, 1, 1, null, vmgenid, "6f1b2c9e-0d5a-4c3b-9a7e-1f2e3d4c5b6a",
            disks ?? [], nics ?? [], Tag: tag);

    public static DiskLaunch Disk(string drive, string path, string format, long size) =>
        new(drive, new string(drive.TakeWhile(char.IsLetter).ToArray()), int.Parse(new string(drive.SkipWhile(char.IsLetter).ToArray())),
            path, format, false, false, size);

    /// <summary>The target side of a migration: same spec, pinned machine, waiting for the stream.</summary>
    public static VmLaunchSpec Incoming(VmLaunchSpec source, string machine, string tag, IReadOnlyList<DiskLaunch>? disks = null,
        IReadOnlyList<string>? nbdDrives = null) =>
        source with
        {
            Machine = machine,
            Tag = tag,
            Disks = disks ?? source.Disks,
            Incoming = new IncomingSpec("127.0.0.1", nbdDrives ?? [])
        };
}
