namespace ActorMigration.Domain.Vms;

/// <summary>
/// New identifiers for the config rules to place, made outside the domain from a random source: an smbios1 uuid and
/// a vmgenid. The domain never makes one itself.
/// </summary>
public sealed record FreshIds(Guid SmbiosUuid, Guid VmGenId);
