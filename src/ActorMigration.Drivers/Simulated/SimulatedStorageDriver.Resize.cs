namespace ActorMigration.Drivers.Simulated;

public sealed partial class SimulatedStorageDriver
{
    public Task ResizeAsync(string volid, long sizeBytes, CancellationToken ct = default)
    {
        var v = ResolveExisting(volid);
        SimImageResize.Grow(v.Path, v.MetaPath, sizeBytes);
        return Task.CompletedTask;
    }
}
