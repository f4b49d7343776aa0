namespace ActorMigration.Drivers.Simulated;

/// <summary>What qemu-img would know about a simulated volume; the sidecar JSON of its sparse file.</summary>
internal sealed class VolumeMeta
{
    public string Format { get; set; } = "raw";
    public long VirtualSize { get; set; }
    /// <summary>Bytes of guest data the volume holds (qemu-img "disk size").</summary>
    public long Allocated { get; set; }
    public string? BackingVolId { get; set; }
    public bool ReadOnly { get; set; }
    public List<SnapshotMeta> Snapshots { get; set; } = new();
}

internal sealed class SnapshotMeta
{
    public string Name { get; set; } = "";
    public long VirtualSize { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
