namespace ActorMigration.SystemTests.Copies;

/// <summary>The copies tests share one member on the real QEMU driver and run one after another (2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class CopiesCollection : ICollectionFixture<QemuMemberFixture>
{
    public const string Name = "copies-qemu";
}
