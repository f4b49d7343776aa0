namespace ActorMigration.Domain.Hypervisor;

/// <summary>
/// What a running VM has plugged, by drive key: block nodes (<c>drive-scsi1</c> → scsi1) and devices (scsi1, and
/// controllers such as scsihw0).
/// </summary>
public sealed record VmDisks(IReadOnlySet<string> BlockNodes, IReadOnlySet<string> Devices);
