using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

/// <summary>Finds the repo's test fixtures.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorMigration.sln")))
                return dir.FullName;
        throw new InvalidOperationException("ActorMigration.sln not found above " + AppContext.BaseDirectory);
    });

    public static string RepoRoot => Root.Value;

    public static string PathOf(params string[] parts) => Path.Combine([RepoRoot, "tests", "fixtures", .. parts]);

    public static string Text(params string[] parts) => File.ReadAllText(PathOf(parts));
}

/// <summary>
/// An import storage "local" whose <c>import/</c> directory is a fixture directory. Records every look-up.
/// </summary>
internal sealed class FixtureStorage(string directory)
{
    public const string Storage = "local";
    public List<string> Asked { get; } = new();

    public static FixtureStorage Ovf() => new(Fixtures.PathOf("ovf"));
    public static FixtureStorage Vmx() => new(Fixtures.PathOf("vmx"));

    public string FileOf(string volid)
    {
        Assert.StartsWith($"{Storage}:import/", volid);
        return Path.Combine(directory, volid[$"{Storage}:import/".Length..]);
    }

    public bool Exists(string volid)
    {
        Asked.Add(volid);
        return File.Exists(FileOf(volid));
    }

    /// <summary>The VMDK's virtual size from its header or descriptor, as qemu-img would report it.</summary>
    public long? VirtualSize(string volid)
    {
        Asked.Add(volid);
        using var f = File.OpenRead(FileOf(volid));
        var head = new byte[64 * 1024];
        var n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return VmdkSize.TryRead(head.AsSpan(0, n), out var size) ? size : null;
    }

    public string Text(string relative) => File.ReadAllText(Path.Combine(directory, relative));
}
