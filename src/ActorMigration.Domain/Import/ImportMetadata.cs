namespace ActorMigration.Domain.Import;

/// <summary>
/// What <c>GET /nodes/{node}/storage/{storage}/import-metadata</c> returns for one importable guest.
/// </summary>
public sealed record ImportMetadata
{
    /// <summary>Always <c>vm</c>.</summary>
    public string Type { get; init; } = "vm";

    /// <summary>The OVF/OVA volname (<c>import/x.ovf</c>) or <c>esxi</c> for a .vmx.</summary>
    public required string Source { get; init; }

    /// <summary>Parameters for <c>POST /nodes/{node}/qemu</c> (name, cores, memory, ostype, bios, boot...), in insertion order.</summary>
    public required IReadOnlyDictionary<string, string> CreateArgs { get; init; }

    /// <summary>Disks to import by drive key (<c>scsi0</c>...), in boot order.</summary>
    public required IReadOnlyDictionary<string, ImportDisk> Disks { get; init; }

    /// <summary>True when the guest uses UEFI: the API shows <c>disks.efidisk0 = 1</c> and a new EFI disk is created.</summary>
    public bool EfiDisk { get; init; }

    /// <summary>NICs by key (<c>net0</c>...).</summary>
    public required IReadOnlyDictionary<string, ImportNet> Net { get; init; }

    public required IReadOnlyList<ImportWarning> Warnings { get; init; }

    /// <summary>Untyped remarks for the task log (skipped items, renumbered disks...). Not part of the API answer.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public string? this[string createArg] => CreateArgs.TryGetValue(createArg, out var v) ? v : null;
}
