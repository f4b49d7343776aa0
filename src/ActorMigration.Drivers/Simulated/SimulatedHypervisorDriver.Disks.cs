using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Disk and NIC hot-plug and live resize of a simulated VM, with QEMU's refusals.</summary>
public sealed partial class SimulatedHypervisorDriver
{
    private const string ScsiController = "scsihw0";

    public Task<VmDisks> QueryDisksAsync(int vmid, CancellationToken ct = default)
    {
        if (Load(vmid) is not { } vm) return Task.FromException<VmDisks>(new InvalidOperationException($"VM {vmid} not running"));
        var devices = vm.Disks.Where(d => d.Device).Select(d => d.Drive).Concat(vm.Nics).ToHashSet();
        if (vm.Disks.Any(d => d.Device && d.Drive.StartsWith("scsi", StringComparison.Ordinal)) || vm.ScsiController) devices.Add(ScsiController);
        return Task.FromResult(new VmDisks(vm.Disks.Select(d => d.Drive).ToHashSet(), devices));
    }

    public Task AddBlockNodeAsync(int vmid, DiskLaunch disk, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            if (vm.Disks.Any(d => d.Drive == disk.Drive)) throw new InvalidOperationException($"node-name=drive-{disk.Drive} is conflicting with a device id");
            if (disk.Path is null || !File.Exists(disk.Path))
                throw new FileNotFoundException($"Could not open '{disk.Path}': No such file or directory", disk.Path);
            vm.Disks.Add(new SimDisk { Drive = disk.Drive, Path = disk.Path, Format = disk.Format, SizeBytes = disk.SizeBytes, Device = false });
        }, ct);

    public Task AddDiskDeviceAsync(int vmid, DiskLaunch disk, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            if (disk.Bus is not ("scsi" or "virtio")) throw new InvalidOperationException($"can't hotplug device '{disk.Drive}'");
            var d = vm.Disks.FirstOrDefault(x => x.Drive == disk.Drive)
                ?? throw new InvalidOperationException($"Drive 'drive-{disk.Drive}' not found");
            if (d.Device) throw new InvalidOperationException($"Duplicate device ID '{disk.Drive}'");
            if (disk.Bus == "scsi") vm.ScsiController = true;
            d.Device = true;
        }, ct);

    /// <summary>A NIC plugged as QEMU does: its bridge must exist (Proxmox's error, shared with the start), the id be new.</summary>
    public Task AddNicAsync(int vmid, NicLaunch nic, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            if (nic.Bridge is { } bridge && TapPlan.StartError(nic, _options.Bridge(bridge)) is { } error) throw new InvalidOperationException(error);
            if (vm.Nics.Contains(nic.Name)) throw new InvalidOperationException($"Duplicate device ID '{nic.Name}'");
            vm.Nics.Add(nic.Name);
            vm.Macs.Add(nic.Mac);
        }, ct);

    public Task BlockResizeAsync(int vmid, string drive, long sizeBytes, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            var d = vm.Disks.FirstOrDefault(x => x.Drive == drive && x.Path is not null)
                ?? throw new InvalidOperationException($"Cannot find device='' nor node-name='drive-{drive}'");
            SimImageResize.Grow(d.Path!, SimPaths.MetaFileOfImage(d.Path!), sizeBytes);
            d.SizeBytes = sizeBytes;
        }, ct);
}
