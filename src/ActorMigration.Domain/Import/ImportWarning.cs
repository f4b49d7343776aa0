namespace ActorMigration.Domain.Import;

/// <summary>A typed import warning as in the import-metadata answer: <c>{type, key?, value?}</c>.</summary>
public sealed record ImportWarning(string Type, string? Key = null, string? Value = null)
{
    /// <summary>A readable line for the task log.</summary>
    public string Describe()
    {
        var key = Key ?? "unknown";
        var value = Value ?? "unknown";
        var text = Type switch
        {
            ImportWarningType.CdromImageIgnored => $"CD-ROM images cannot get imported, please reconfigure the '{key}' drive after the import",
            ImportWarningType.EfiStateLost => "EFI state cannot be imported, you may need to reconfigure the boot order",
            ImportWarningType.GuestIsRunning => "the guest is running, its disks may change during the import",
            ImportWarningType.NvmeUnsupported => $"NVMe disks are currently not supported, '{key}' will get attached as SCSI",
            ImportWarningType.OvaNeedsExtracting => "the disks of an OVA must be extracted before they can be imported",
            ImportWarningType.OvmfWithLsiUnsupported => $"OVMF is built without LSI drivers, scsi hardware was set to '{value}'",
            ImportWarningType.SerialPortSocketOnly => $"serial port '{key}' will be mapped to a socket",
            _ => Type,
        };
        return $"warning: {text}";
    }
}

/// <summary>The warning types Proxmox knows (the import-metadata return schema enum).</summary>
public static class ImportWarningType
{
    public const string CdromImageIgnored = "cdrom-image-ignored";
    public const string EfiStateLost = "efi-state-lost";
    public const string GuestIsRunning = "guest-is-running";
    public const string NvmeUnsupported = "nvme-unsupported";
    public const string OvaNeedsExtracting = "ova-needs-extracting";
    public const string OvmfWithLsiUnsupported = "ovmf-with-lsi-unsupported";
    public const string SerialPortSocketOnly = "serial-port-socket-only";

    public static readonly IReadOnlyList<string> All =
    [
        CdromImageIgnored, EfiStateLost, GuestIsRunning, NvmeUnsupported,
        OvaNeedsExtracting, OvmfWithLsiUnsupported, SerialPortSocketOnly,
    ];
}
