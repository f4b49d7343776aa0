namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// A change to a running simulated migration, <see cref="AtSec"/> simulated seconds after its start: a new downtime
/// limit and/or throttle ceiling (migrate-set-parameters, applied from the next dirty-bitmap sync, where QEMU reads
/// them), or the switch to post-copy (migrate-start-postcopy, at once).
/// </summary>
public sealed record MigrationChange(double AtSec, long? DowntimeLimitMs = null, int? ThrottleCeilingPct = null, bool Postcopy = false);
