using System.Text.Json.Nodes;
using ActorMigration.Domain.Import;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>What qemu-img info says an image refers to, for <see cref="UntrustedImage.Refusal"/> (the check after the header's).</summary>
internal static class QemuImageFacts
{
    /// <summary>
    /// The facts of <paramref name="j"/>; a format other than the one asked is refused. VMDK extents other than the
    /// image itself are given by file name when they lie beside <paramref name="imagePath"/>, else as qemu-img names
    /// them; without <paramref name="imagePath"/> (a <c>json:</c> spec) extents are left to the header check.
    /// </summary>
    public static ImageFacts From(JsonNode j, string format, string volid, string? imagePath)
    {
        if (j["format"]?.ToString() is { } f && f != format)
            throw new InvalidDataException($"{volid}: qemu-img reads format '{f}', expected '{format}'");
        var spec = j["format-specific"];
        var type = spec?["type"]?.ToString();
        var data = spec?["data"];
        var extents = new List<string>();
        if (type == "vmdk" && imagePath is not null)
        {
            var dir = Path.GetDirectoryName(imagePath)!;
            foreach (var e in data?["extents"] as JsonArray ?? [])
            {
                var name = e?["filename"]?.ToString() ?? "";
                var full = Path.GetFullPath(name, dir);
                if (full == imagePath) continue;
                extents.Add(Path.GetDirectoryName(full) == dir ? Path.GetFileName(full) : name);
            }
        }
        return new ImageFacts(format, j["backing-filename"]?.ToString(), type == "qcow2" && data?["data-file"] is not null, extents);
    }
}
