namespace ActorMigration.Domain.Import;

/// <summary>One NIC to create: a Proxmox model and, when the source has one, its MAC.</summary>
public sealed record ImportNet(string Model, string? MacAddr = null);
