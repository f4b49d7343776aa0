using System.Runtime.Versioning;
using ActorMigration.Api.Setup;

namespace ActorMigration.Api.Tests.Setup;

/// <summary>Secret files (admin token, root password) appear whole: a reader that sees the file sees its content.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SecretFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("am-secret-").FullName;

    [Fact]
    public async Task A_reader_that_finds_the_file_never_reads_it_empty()
    {
        var file = Path.Combine(_dir, DataDirectory.TokenFile);
        var seen = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(file)) File.Delete(file);
            var reader = Task.Run(() =>
            {
                while (!File.Exists(file)) Thread.SpinWait(10);
                return File.ReadAllText(file);
            });
            DataDirectory.WritePrivate(file, $"secret-{i}\n");
            seen.Add(await reader);
        }
        Assert.DoesNotContain(seen, s => s.Length == 0);
    }

    [Fact]
    public void The_file_is_private_replaced_whole_and_leaves_nothing_beside_it()
    {
        var file = Path.Combine(_dir, "root.password");
        DataDirectory.WritePrivate(file, "old\n");
        DataDirectory.WritePrivate(file, "new\n");

        Assert.Equal("new\n", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal([file], Directory.GetFiles(_dir));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
