namespace ActorMigration.Domain.Tests.Support;

/// <summary>The qm config fixtures under <c>tests/fixtures/qm</c>.</summary>
internal static class QmFixtures
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorMigration.sln")))
                return Path.Combine(dir.FullName, "tests", "fixtures", "qm");
        throw new InvalidOperationException("ActorMigration.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>Fixtures that Proxmox itself could have written (all but the known-bug ones).</summary>
    public static readonly string[] RoundTrip =
    [
        "100-web-unicode.conf",
        "101-snapshots.conf",
        "102-pending.conf",
        "103-cloudinit.conf",
        "104-linked-clone.conf",
        "105-windows-efi-tpm.conf",
        "106-markdown-notes.conf",
        "9000-template.conf",
    ];

    public static IEnumerable<object[]> RoundTripData => RoundTrip.Select(f => new object[] { f });

    public static string Text(string name) => File.ReadAllText(Path.Combine(Dir.Value, name));

    public static IEnumerable<string> All() => Directory.GetFiles(Dir.Value, "*.conf").Select(Path.GetFileName)!;
}
