namespace ActorMigration.SystemTests;

/// <summary>
/// The system tests run as two collections side by side, each one test after another: <see cref="Cluster"/> (members on
/// the simulated driver: mostly waiting for failure detectors, leases and downing) and <see cref="Qemu"/> (real QEMU
/// guests under TCG, with the copies tests' shared member). Two QEMU collections at once would share the 2 cores. The
/// two take about as long (~15 min each): ClusterTlsTests and NodeLossTests, on simulated members, run in the qemu
/// collection to keep them balanced.
/// </summary>
public static class Collections
{
    public const string Cluster = "cluster-sim", Qemu = "qemu";
}

[CollectionDefinition(Collections.Cluster)]
public sealed class ClusterCollection;

[CollectionDefinition(Collections.Qemu)]
public sealed class QemuCollection : ICollectionFixture<QemuMemberFixture>;
