namespace ActorMigration.Domain.Vms;

/// <summary>
/// New identifiers for the config rules to place, made outside the domain from a random source: an smbios1 uuid, a
/// vmgenid and a MAC (with the configured prefix) per NIC key (net0, …). The domain never makes one itself.
/// </summary>
public sealed record FreshIds(Guid SmbiosUuid, Guid VmGenId, IReadOnlyDictionary<string, string>? Macs = null)
{
    /// <summary>The new MAC for a NIC key; none supplied is a caller's error.</summary>
    public string MacFor(string netKey) =>
        Macs is not null && Macs.TryGetValue(netKey, out var mac) ? mac : throw new InvalidOperationException($"no new MAC address supplied for {netKey}");

    public bool HasMacFor(string netKey) => Macs?.ContainsKey(netKey) == true;
}
