using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>The hypervisor contract on the simulated driver (50 times faster than real time).</summary>
public sealed class SimulatedHypervisorContractTests : HypervisorDriverContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "am-contract-sim", Guid.NewGuid().ToString("N")[..8]);
    private readonly SimulatedNodeDriverFactory _factory = new(new SimulationOptions { SpeedFactor = 50 });
    private int _nextPort = 62000;

    protected override TimeSpan Patience => TimeSpan.FromSeconds(30);

    protected override Task<INodeDriver> AddNodeAsync(string name)
    {
        var storage = new StorageConfig([
            new StorageDefinition("local", "dir", Path.Combine(_root, "storage", "{node}"), false, ["images"], null)
        ]);
        var first = Interlocked.Add(ref _nextPort, 20) - 20;
        var settings = new NodeSettings(name, Path.Combine(_root, name, "run"), storage, PortRangeStart: first, PortRangeEnd: first + 19);
        return Task.FromResult(_factory.Create(settings));
    }

    protected override async Task<INodeDriver> ReopenAsync(INodeDriver node)
    {
        await node.DisposeAsync();
        return _factory.Create(node.Settings);
    }

    public override Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        return Task.CompletedTask;
    }
}
