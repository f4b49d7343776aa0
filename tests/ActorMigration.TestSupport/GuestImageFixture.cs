using ActorMigration.Drivers.Qemu.GuestImage;

namespace ActorMigration.TestSupport;

/// <summary>Builds the test guest image (.build/guest) once per test run (the script itself is cached).</summary>
public static class GuestImageFixture
{
    private static readonly Lazy<Task<string>> Dir = new(() => GuestImageBuilder.EnsureBuiltAsync());

    public static Task<string> GetAsync() => Dir.Value;
}
