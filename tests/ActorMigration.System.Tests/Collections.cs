namespace ActorMigration.SystemTests;

/// <summary>
/// The system tests run as two collections side by side, each one test after another: <see cref="Cluster"/> (members on
/// the simulated driver: mostly waiting for failure detectors, leases and downing) and <see cref="Qemu"/> (real QEMU
/// guests under TCG, with the copies tests' shared member). Two QEMU collections at once would share the 2 cores. In
/// CI (2026-12-06) the qemu collection took ~22 min and the cluster one ~18 min; QemuHaRecoveryTests (three QEMU members,
/// ~2 min, mostly waiting for the failure detector) moved to the cluster collection to even them out.
/// </summary>
public static class Collections
{
    public const string Cluster = "cluster-sim", Qemu = "qemu";
}

[CollectionDefinition(Collections.Cluster)]
public sealed class ClusterCollection;

[CollectionDefinition(Collections.Qemu)]
public sealed class QemuCollection : ICollectionFixture<QemuMemberFixture>;
