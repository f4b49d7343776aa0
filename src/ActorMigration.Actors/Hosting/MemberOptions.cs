using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Workflows;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Actors.Hosting;

/// <summary>Everything one member process needs to join the cluster and host its nodes.</summary>
public sealed record MemberOptions(
    ClusterTopology Topology,
    INodeDriverFactory DriverFactory,
    string Persistence = "sqlite",
    string? PostgresConnection = null,
    string Hostname = "127.0.0.1",
    int Port = 0,
    IReadOnlyList<string>? SeedNodes = null,
    StepTimeouts? Timeouts = null,
    string? ExtraHocon = null)
{
    public string SqliteFile => Path.Combine(Topology.DataDir, "actormigration.db");

    public string ConnectionString => Persistence == "postgres"
        ? PostgresConnection ?? throw new InvalidOperationException("AM_PG_CONNECTION is not set")
        : $"Data Source={SqliteFile};Default Timeout=30;Pooling=True";
}
