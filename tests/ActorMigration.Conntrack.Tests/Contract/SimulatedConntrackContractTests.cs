using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Conntrack.Tests.Contract;

/// <summary>The conntrack contract on the simulated driver (one entry file per VM in each node's run dir).</summary>
public sealed class SimulatedConntrackContractTests : ConntrackDriverContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "am-contract-ct", Guid.NewGuid().ToString("N")[..8]);

    protected override Task<IConntrackDriver> AddNodeAsync(string role) =>
        Task.FromResult<IConntrackDriver>(new SimulatedConntrackDriver(
            new NodeSettings(role, Path.Combine(_root, role, "run"), new StorageConfig([]))));

    protected override Task SeedAsync(IConntrackDriver node, int vmid, int count) =>
        node.LoadAsync(vmid, Enumerable.Range(0, count).Select(i =>
            $"tcp      6 431999 ESTABLISHED src=192.0.2.{10 + i} dst=198.51.100.{vmid % 200} sport={40000 + i} dport=443 " +
            $"src=198.51.100.{vmid % 200} dst=192.0.2.{10 + i} sport=443 dport={40000 + i} [ASSURED] mark={vmid} use=1").ToList());

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
