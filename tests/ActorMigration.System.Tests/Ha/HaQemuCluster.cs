namespace ActorMigration.SystemTests.Ha;

/// <summary>The class fixture of the real-QEMU HA tests: <see cref="ThreeQemuMembers"/> in the HA tests' environment.</summary>
public sealed class HaQemuCluster : IAsyncLifetime
{
    public ThreeQemuMembers Members { get; private set; } = null!;

    public async Task InitializeAsync() => Members = await ThreeQemuMembers.StartAsync(HaVms.Env());

    public async Task DisposeAsync()
    {
        if (Members is not null) await Members.DisposeAsync();
    }
}
