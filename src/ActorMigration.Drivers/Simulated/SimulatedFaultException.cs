namespace ActorMigration.Drivers.Simulated;

/// <summary>An injected failure (see <see cref="FaultRule"/>).</summary>
public sealed class SimulatedFaultException(string phase, string message) : IOException(message)
{
    public string Phase { get; } = phase;
}
