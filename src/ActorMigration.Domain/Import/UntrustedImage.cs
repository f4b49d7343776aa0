using System.Text.RegularExpressions;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Import;

/// <summary>
/// What an image refers to besides its own bytes, as its header tells it (<see cref="ImageHeader"/>) or qemu-img info:
/// a backing file, a qcow2 external data file, the extent files of a VMDK descriptor.
/// <see cref="Unreadable"/>: a VMDK descriptor that cannot be parsed with certainty.
/// </summary>
public sealed record ImageFacts(string Format, string? BackingFile, bool HasDataFile, IReadOnlyList<string> Extents, bool Unreadable = false)
{
    public static ImageFacts Plain(string format) => new(format, null, false, []);
}

/// <summary>
/// The rules for images the stack did not create (import files, OVA members, the disks of a backup archive), as
/// Proxmox's <c>file_size_info</c> with <c>$untrusted</c>: the format comes from the name, never from probing; no
/// backing file, no external data file, at most one extent and only a file beside the descriptor.
/// The drivers read the facts (header, qemu-img info) and resolve extent files on disk; the rules live here.
/// </summary>
public static partial class UntrustedImage
{
    /// <summary>The formats a restored backup disk may have (the archives hold qcow2).</summary>
    public static readonly IReadOnlyList<string> RestoreFormats = ["qcow2", "raw"];

    // Proxmox's safe file name characters (with whitespace); no '/', so an extent stays beside its descriptor.
    [GeneratedRegex(@"^[ A-Za-z0-9\-.+=_]+\z")]
    private static partial Regex PlainName();

    /// <summary>Import files come from outside the stack: they are inspected before use.</summary>
    public static bool IsUntrusted(VolumeName v) => v.VType == "import";

    /// <summary>
    /// The format a volume is opened with, from its name only: images by their extension, ISOs raw, import files by
    /// extension (.img and .iso are raw); null for what is no disk image (OVF, OVA, VMX, backups).
    /// </summary>
    public static string? FormatOf(VolumeName v) => v.VType switch
    {
        "images" => v.Format,
        "iso" => "raw",
        "import" => v.Format switch
        {
            "qcow2" or "vmdk" or "raw" => v.Format,
            "img" or "iso" => "raw",
            _ => null,
        },
        _ => null,
    };

    /// <summary>
    /// Why the image <paramref name="what"/> (a volume id) must not be used, or null. <paramref name="insideArchive"/>:
    /// the image is a member of an archive, where a VMDK may not refer to any other file.
    /// </summary>
    public static string? Refusal(string what, ImageFacts facts, bool insideArchive = false)
    {
        if (facts.Unreadable) return $"{what}: the VMDK descriptor cannot be read";
        if (facts.BackingFile is not null) return $"backing file not allowed for untrusted image '{what}'!";
        if (facts.HasDataFile) return $"{what}: 'data-file' references are not allowed!";
        if (facts.Extents.Count > 1) return $"{what}: multiple children or extents are not allowed!";
        foreach (var e in facts.Extents)
        {
            if (insideArchive) return $"{what}: extent '{e}' is not allowed - a disk inside an archive must not refer to other files";
            if (!IsPlainName(e)) return $"{what}: extent '{e}' is not allowed - only a file beside the descriptor is";
        }
        return null;
    }

    /// <summary>A file name without directory: no '/', not '.' or '..', only Proxmox's safe characters.</summary>
    public static bool IsPlainName(string name) => name is not ("." or "..") && PlainName().IsMatch(name);

    /// <summary>Why a backup disk of <paramref name="format"/> is not restored, or null.</summary>
    public static string? RestoreRefusal(string backupVolid, string drive, string format) =>
        RestoreFormats.Contains(format) ? null
            : $"backup '{backupVolid}': disk '{drive}' has format '{format}' - only {string.Join(" or ", RestoreFormats)} is restored";
}
