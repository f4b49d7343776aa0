using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Import;

/// <summary>Collects what a parser finds and hands out free drive keys.</summary>
internal sealed class ImportBuilder(string source)
{
    public OrderedDictionary<string, string> CreateArgs { get; } = new(StringComparer.Ordinal);
    public OrderedDictionary<string, ImportDisk> Disks { get; } = new(StringComparer.Ordinal);
    public OrderedDictionary<string, ImportNet> Net { get; } = new(StringComparer.Ordinal);
    public List<ImportWarning> Warnings { get; } = new();
    public List<string> Notes { get; } = new();
    public List<string> BootOrder { get; } = new();
    private readonly HashSet<string> _usedDrives = new(StringComparer.Ordinal);
    public bool EfiDisk { get; set; }

    public bool IsUsed(string key) => _usedDrives.Contains(key);

    /// <summary>Takes <paramref name="bus"/><paramref name="wanted"/> if valid and free, else the lowest free index.</summary>
    public string TakeDrive(string bus, int? wanted, string what)
    {
        if (wanted is { } w && w >= 0)
        {
            var key = bus + w;
            if (Drives.IsDriveKey(key) && _usedDrives.Add(key)) return key;
            Notes.Add($"{what}: {key} is {(Drives.IsDriveKey(key) ? "already used" : "not a valid Proxmox drive")}, using the next free {bus} slot");
        }
        for (var i = 0; Drives.IsDriveKey(bus + i); i++)
            if (_usedDrives.Add(bus + i)) return bus + i;
        throw new ImportException($"{what}: no free {bus} slot left (too many {bus} devices)");
    }

    public void Warn(string type, string? key = null, string? value = null) => Warnings.Add(new ImportWarning(type, key, value));

    public ImportMetadata Build()
    {
        if (BootOrder.Count > 0) CreateArgs["boot"] = "order=" + string.Join(';', BootOrder);
        return new ImportMetadata
        {
            Source = source,
            CreateArgs = CreateArgs,
            Disks = Disks,
            EfiDisk = EfiDisk,
            Net = Net,
            Warnings = Warnings,
            Notes = Notes,
        };
    }
}
