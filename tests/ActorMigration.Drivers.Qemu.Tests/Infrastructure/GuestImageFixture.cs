using ActorMigration.Drivers.Qemu.GuestImage;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>Builds the guest image once per test run (the script itself is cached).</summary>
public static class GuestImageFixture
{
    private static readonly Lazy<Task<string>> Dir = new(() => GuestImageBuilder.EnsureBuiltAsync());

    public static Task<string> GetAsync() => Dir.Value;
}
