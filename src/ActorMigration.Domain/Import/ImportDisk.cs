namespace ActorMigration.Domain.Import;

/// <summary>One disk to import: its source volume id, virtual size in bytes (if known), source format and the reference as written in the manifest.</summary>
public sealed record ImportDisk(string VolId, long? Size, string Format, string Reference);
