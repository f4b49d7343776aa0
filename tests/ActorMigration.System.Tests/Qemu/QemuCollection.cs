namespace ActorMigration.SystemTests.Qemu;

/// <summary>All real-QEMU tests run one after another: each boots guests under TCG on a 2-core machine.</summary>
[CollectionDefinition("qemu", DisableParallelization = true)]
public sealed class QemuCollection;
