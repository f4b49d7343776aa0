using ActorMigration.Domain.Import;

namespace ActorMigration.Drivers.Storage;

/// <summary>
/// Both drivers inspect an image that came from outside (an import file, an OVA member, a backup's disk) by its header
/// before anything opens it: the rules are <see cref="UntrustedImage"/>'s, the extent files are found by
/// <see cref="DirStorage.RequireExtent"/>. Refusals are <see cref="InvalidDataException"/>s naming the volume.
/// </summary>
public static class UntrustedFiles
{
    /// <summary>An import volume's file: its references checked, its extent files beside it and inside the storage.</summary>
    public static async Task InspectAsync(DirStorage dirs, DirVolume v, string format, CancellationToken ct)
    {
        var head = await StorageFiles.WithFileAsync(v.File, Head, ct);
        var facts = ImageHeader.Read(head, format);
        Refuse(v.VolId, facts);
        foreach (var extent in facts.Extents) dirs.RequireExtent(v, extent);
    }

    /// <summary>A disk inside an archive: it may refer to no other file.</summary>
    public static async Task InspectMemberAsync(StoragePath archive, TarMember member, string volid, string format, CancellationToken ct) =>
        Refuse(volid, ImageHeader.Read(await OvaDisks.HeadAsync(archive, member, ImageHeader.Bytes, ct), format), insideArchive: true);

    /// <summary>A file this driver wrote from an archive (a restore's extracted disk), checked as an archive member.</summary>
    public static void InspectExtracted(string path, string volid, string format)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read);
        Refuse(volid, ImageHeader.Read(Head(fs), format), insideArchive: true);
    }

    /// <summary>Throws the rules' refusal, if any.</summary>
    public static void Refuse(string volid, ImageFacts facts, bool insideArchive = false)
    {
        if (UntrustedImage.Refusal(volid, facts, insideArchive) is { } why) throw new InvalidDataException(why);
    }

    private static byte[] Head(Stream fs)
    {
        var buf = new byte[(int)Math.Min(ImageHeader.Bytes, fs.Length)];
        fs.Position = 0;
        fs.ReadExactly(buf);
        return buf;
    }
}
