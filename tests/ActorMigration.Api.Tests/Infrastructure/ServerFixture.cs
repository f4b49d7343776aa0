namespace ActorMigration.Api.Tests.Infrastructure;

/// <summary>One shared in-process member per test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public InProcessServer Server { get; private set; } = null!;
    public PveClient Client => Server.Client;
    private int _nextVmid = 100;

    /// <summary>A vmid no other test in this class uses.</summary>
    public int NextVmId() => Interlocked.Increment(ref _nextVmid);

    public async Task InitializeAsync() => Server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
