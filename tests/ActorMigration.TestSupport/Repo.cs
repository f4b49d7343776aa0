namespace ActorMigration.TestSupport;

public static class Repo
{
    /// <summary>The repository root (where ActorMigration.sln is).</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorMigration.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static string TempDir(string prefix)
    {
        var d = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static readonly Drivers.Abstractions.PortAllocator Ports =
        Drivers.Abstractions.PortAllocator.BelowEphemeralRange();

    /// <summary>A port for a child member to listen on; never one the kernel hands to outgoing connections.</summary>
    public static int FreePort() => Ports.Acquire();
}
