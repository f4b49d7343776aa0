using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Domain.Balance;

/// <summary>
/// The datacenter options we keep, only what is set (Proxmox's <c>GET /cluster/options</c> returns set keys only):
/// <c>max_workers</c> (migrateall's default <c>maxworkers</c>), our <c>migration-limits</c>, and <c>migration</c>
/// (<c>type=&lt;secure|insecure&gt;[,network=&lt;CIDR&gt;]</c>).
/// </summary>
public sealed record ClusterOptions(int? MaxWorkers, MigrationLimits? Limits, Workflows.Migration.MigrationNetwork? Migration = null)
{
    public const string MaxWorkersKey = "max_workers", LimitsKey = "migration-limits", MigrationKey = "migration";

    public static readonly ClusterOptions None = new(null, null);

    [System.Text.Json.Serialization.JsonIgnore]
    public MigrationLimits EffectiveLimits => Limits ?? MigrationLimits.Default;
}
