namespace ActorMigration.Drivers.Simulated;

/// <summary>An open NBD export (qemu-nbd) of the simulated storage: one file in the exporting node's run dir.</summary>
internal sealed class NbdExportRecord
{
    public string ExportId { get; set; } = "";
    public string Node { get; set; } = "";
    public string VolId { get; set; } = "";
    public string Path { get; set; } = "";
    public string MetaPath { get; set; } = "";
    public bool Writable { get; set; }
    public int Port { get; set; }
}
