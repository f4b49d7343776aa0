using ActorMigration.Domain.CloudInit;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// Writes a NoCloud image as qemu-server's commit_cloudinit_disk does: the files into a scratch directory,
/// <c>genisoimage -iso-level 3 -J -R -V cidata</c>, then the ISO into the volume (kept at its size) with qemu-img.
/// </summary>
internal static class CloudInitIso
{
    public const string Genisoimage = "genisoimage";

    public static async Task WriteAsync(QemuImg img, string volumePath, string format, NoCloudImage image, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("am-cloudinit-").FullName;
        try
        {
            var files = Path.Combine(dir, "files");
            Directory.CreateDirectory(files);
            foreach (var (name, content) in image.Files) await File.WriteAllTextAsync(Path.Combine(files, name), content, ct);
            var iso = Path.Combine(dir, "cidata.iso");
            var r = await ProcessRunner.RunAsync(Genisoimage,
                ["-quiet", "-iso-level", "3", "-J", "-R", "-V", NoCloudImage.Label, "-o", iso, files], TimeSpan.FromSeconds(60), ct: ct);
            if (r.ExitCode != 0) throw new InvalidOperationException($"generating cloud-init ISO failed (genisoimage exit {r.ExitCode}): {r.ErrorText}");
            // A fresh image beside the volume, filled with the ISO, then renamed over it: never a half-written drive.
            var tmp = volumePath + ".tmp-cloudinit";
            File.Delete(tmp);
            var size = Math.Max(CloudInitDrive.SizeBytes, new FileInfo(iso).Length);
            await img.RunAsync(["create", "-q", "-f", format, tmp, size.ToString()], ct);
            await img.RunAsync(["convert", "-q", "-n", "-f", "raw", "-O", format, iso, tmp], ct);
            File.Move(tmp, volumePath, overwrite: true);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
