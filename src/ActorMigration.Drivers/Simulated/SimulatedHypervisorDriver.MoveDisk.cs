namespace ActorMigration.Drivers.Simulated;

/// <summary>What a disk move asks the simulated VM: the file its drive uses now (a pivot switches it to the mirror's target).</summary>
public sealed partial class SimulatedHypervisorDriver
{
    public Task<string?> DriveFileAsync(int vmid, string drive, CancellationToken ct = default) =>
        Task.FromResult(Load(vmid)?.Disks.FirstOrDefault(d => d.Drive == drive && !d.Cdrom)?.Path);
}
