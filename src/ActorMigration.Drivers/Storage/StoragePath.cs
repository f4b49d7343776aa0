namespace ActorMigration.Drivers.Storage;

/// <summary>
/// A volume's file, resolved by <see cref="StorageFiles.Resolve"/>: <see cref="Path"/> holds no symlink below the
/// storage root, so whoever opens it (this process or qemu-img) reaches the file that was checked.
/// </summary>
public sealed record StoragePath(string VolId, string Path, FileStat Stat)
{
    public FileKind Kind => Stat.Kind;
    public bool Exists => Kind != FileKind.Missing;
    public bool IsFile => Kind == FileKind.Regular;

    /// <summary>This path when it is a regular file; else why not, naming the volume (never the host path).</summary>
    /// <exception cref="FileNotFoundException">It does not exist.</exception>
    /// <exception cref="IOException">It is a directory, FIFO, device or socket.</exception>
    public StoragePath RequireFile() => Kind switch
    {
        FileKind.Regular => this,
        FileKind.Missing => throw new FileNotFoundException($"volume '{VolId}' does not exist"),
        _ => throw new IOException($"volume '{VolId}' is not a regular file ({KindName})"),
    };

    private string KindName => Kind switch
    {
        FileKind.Fifo => "a FIFO",
        FileKind.CharDevice or FileKind.BlockDevice => "a device",
        FileKind.Directory => "a directory",
        FileKind.Socket => "a socket",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
