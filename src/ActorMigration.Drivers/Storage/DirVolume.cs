using ActorMigration.Domain.Storage;

namespace ActorMigration.Drivers.Storage;

/// <summary>A volume of a directory storage: its parsed name and its file, resolved by <see cref="StorageFiles.Resolve"/>.</summary>
public sealed record DirVolume(VolumeName Name, string Root, StoragePath File)
{
    public string VolId => File.VolId;
    public string Path => File.Path;
    public bool Exists => File.Exists;
    public string Directory => System.IO.Path.GetDirectoryName(File.Path)!;

    /// <summary>This volume when its file exists and is a regular file.</summary>
    public DirVolume RequireFile()
    {
        File.RequireFile();
        return this;
    }

    /// <summary>An image volume (<c>images/&lt;vmid&gt;/…</c>), else <see cref="StorageErrors.NotImage"/>.</summary>
    public DirVolume RequireImage() => Name.VType == "images" ? this : throw StorageErrors.NotImage(VolId);
}
