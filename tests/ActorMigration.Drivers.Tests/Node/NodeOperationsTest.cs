using ActorMigration.Drivers.Node;
using ActorMigration.Drivers.Simulated;
using ActorMigration.Drivers.Tests.Simulated;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>NodeOperations on a simulated node pve1 whose driver calls are recorded.</summary>
public abstract class NodeOperationsTest : IDisposable
{
    protected NodeOperationsTest(SimulationOptions? options = null)
    {
        Env = new SimEnv(options);
        Driver = new CountingDriver(Env.Node());
        Ops = new NodeOperations(Driver);
    }

    protected SimEnv Env { get; }
    protected CountingDriver Driver { get; }
    protected NodeOperations Ops { get; }

    public void Dispose()
    {
        Env.Dispose();
        GC.SuppressFinalize(this);
    }
}
