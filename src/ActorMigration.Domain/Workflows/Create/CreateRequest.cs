namespace ActorMigration.Domain.Workflows.Create;

/// <summary>
/// A disk the create task makes: new and empty, imported with qemu-img convert, or restored from a backup archive (<see cref="RestoreFrom"/>).
/// </summary>
public sealed record DiskPlan(
    string Drive,
    string DstVolid,
    string Format,
    long SizeBytes,
    string? ImportFrom,
    string Options,
    string? RestoreFrom = null);

/// <summary>POST /nodes/{node}/qemu, validated: the config without its new disks, and the disk plans. With <see cref="Archive"/> it is a restore.</summary>
public sealed record CreateRequest(
    int VmId,
    string Node,
    string ConfigText,
    IReadOnlyList<DiskPlan> Disks,
    bool Start,
    long? BwLimitKiB,
    string User,
    IReadOnlyList<string>? Warnings = null,
    string? Archive = null)
{
    /// <summary>An entry of <see cref="Warnings"/> with this prefix is an informational note: logged, not counted as a warning.</summary>
    public const string NotePrefix = "note: ";
}
