using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Ha;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Actors.Hosting;

/// <summary>
/// Everything one member process needs to join the cluster and host its nodes. <see cref="Tls"/>: remoting over mutual
/// TLS with the cluster's certificates (the member process always sets it; in-process test systems may leave it off).
/// <see cref="Fencing"/>: per-node watchdogs and leases (docs/cluster.md, "Fencing"); null = off. <see cref="FenceArming"/>:
/// which hosted nodes are armed (every one, or those that carry HA-managed VMs).
/// </summary>
public sealed record MemberOptions(
    ClusterTopology Topology,
    INodeDriverFactory DriverFactory,
    string Persistence = "sqlite",
    string? PostgresConnection = null,
    string Hostname = "127.0.0.1",
    int Port = 0,
    IReadOnlyList<string>? SeedNodes = null,
    StepTimeouts? Timeouts = null,
    string? ExtraHocon = null,
    ClusterTls? Tls = null,
    FenceTimings? Fencing = null,
    FenceArming FenceArming = FenceArming.HaNodes)
{
    public string SqliteFile => Path.Combine(Topology.DataDir, "actormigration.db");

    public string ConnectionString => Persistence == "postgres"
        ? PostgresConnection ?? throw new InvalidOperationException("AM_PG_CONNECTION is not set")
        : $"Data Source={SqliteFile};Default Timeout=30;Pooling=True";
}
