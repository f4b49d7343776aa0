using System.Net;
using System.Text;
using ActorMigration.SystemTests.Qemu;

namespace ActorMigration.SystemTests.Copies;

/// <summary>
/// A crafted image in the import storage, imported through the API on the real QEMU driver: the create is refused by
/// the import pre-check before any task starts, no VM and no disk remain, and no byte of the file it names was copied.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class UntrustedImportTests(QemuMemberFixture f)
{
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("SECRET-OUTSIDE-THE-STORAGE-0123456789;");

    private string Storage => Path.Combine(f.DataDir, "nodes", "node1", "local");

    /// <summary>A secret file outside every storage of the member.</summary>
    private string Secret(int vmid)
    {
        var path = Path.Combine(f.DataDir, $"secret-{vmid}.bin");
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        for (var i = 0; i < 20_000; i++) fs.Write(Marker);
        fs.SetLength(512 * 1024);
        return path;
    }

    [Theory]
    [InlineData("qcow2")]
    [InlineData("vmdk")]
    public async Task A_crafted_image_is_refused_before_the_task_and_nothing_is_read_from_outside(string format)
    {
        var vmid = f.NextVmId();
        var secret = Secret(vmid);
        var volid = $"local:import/evil-{vmid}.{format}";
        var path = f.PathOf(volid);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (format == "qcow2")
        {
            var (rc, text) = await QemuVms.Run("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "raw", "-b", secret, path, "1M");
            Assert.True(rc == 0, text);
        }
        else
        {
            await File.WriteAllTextAsync(path, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n" +
                $"createType=\"monolithicFlat\"\nRW 1024 FLAT \"{secret}\" 0\n");
        }

        var r = await f.Client.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", $"local:0,import-from={volid}"));

        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        var why = format == "qcow2"
            ? $"backing file not allowed for untrusted image '{volid}'!"
            : $"{volid}: extent '{secret}' is not allowed - only a file beside the descriptor is";
        Assert.Equal($"cannot import from '{volid}' - {why}\n", r.Message);
        Assert.Equal(HttpStatusCode.InternalServerError, (await f.Client.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
        Assert.False(Directory.Exists(Path.Combine(Storage, "images", vmid.ToString())));
        foreach (var file in Directory.EnumerateFiles(Storage, "*", SearchOption.AllDirectories))
            Assert.True((await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(Marker) < 0, $"{file} holds the secret");
    }
}
