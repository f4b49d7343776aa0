namespace ActorMigration.Drivers.Storage;

/// <summary>Disks inside an OVA archive (<c>storage:import/x.ova/disk.vmdk</c>), found by <see cref="TarIndex"/> for both drivers.</summary>
public static class OvaDisks
{
    /// <summary>The disk format by the member's extension; null for a member that is no disk image.</summary>
    public static string? FormatOf(string member)
    {
        var ext = Path.GetExtension(member).TrimStart('.').ToLowerInvariant();
        return ext is "vmdk" or "qcow2" or "raw" ? ext : null;
    }

    /// <summary>The member's entry when it is a disk image stored in the archive, else null.</summary>
    public static async Task<TarMember?> FindAsync(StoragePath ova, string member, CancellationToken ct) =>
        FormatOf(member) is null ? null : await StorageFiles.WithFileAsync(ova, fs => TarIndex.Find(fs, ova.VolId, n => n == member), ct);

    /// <summary>The first <paramref name="count"/> bytes of a member (its image header).</summary>
    public static Task<byte[]> HeadAsync(StoragePath ova, TarMember m, int count, CancellationToken ct) =>
        StorageFiles.WithFileAsync(ova, fs =>
        {
            var buf = new byte[(int)Math.Min(count, m.Length)];
            fs.Position = m.DataOffset;
            fs.ReadExactly(buf);
            return buf;
        }, ct);
}
