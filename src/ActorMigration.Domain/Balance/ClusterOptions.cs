using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Domain.Balance;

/// <summary>
/// The datacenter options we keep, only what is set (Proxmox's <c>GET /cluster/options</c> returns set keys only):
/// <c>max_workers</c> (migrateall's default <c>maxworkers</c>) and our <c>migration-limits</c>.
/// </summary>
public sealed record ClusterOptions(int? MaxWorkers, MigrationLimits? Limits)
{
    public const string MaxWorkersKey = "max_workers", LimitsKey = "migration-limits";

    public static readonly ClusterOptions None = new(null, null);

    [System.Text.Json.Serialization.JsonIgnore]
    public MigrationLimits EffectiveLimits => Limits ?? MigrationLimits.Default;
}
