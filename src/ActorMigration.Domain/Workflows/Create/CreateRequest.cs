namespace ActorMigration.Domain.Workflows.Create;

/// <summary>A disk the create task makes: a new empty volume, or one imported with qemu-img convert.</summary>
public sealed record DiskPlan(
    string Drive,
    string DstVolid,
    string Format,
    long SizeBytes,
    string? ImportFrom,
    string Options);

/// <summary>POST /nodes/{node}/qemu, validated: the config without its new disks, and the disk plans.</summary>
public sealed record CreateRequest(
    int VmId,
    string Node,
    string ConfigText,
    IReadOnlyList<DiskPlan> Disks,
    bool Start,
    long? BwLimitKiB,
    string User);
