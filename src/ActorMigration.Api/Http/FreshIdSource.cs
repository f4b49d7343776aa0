using System.Security.Cryptography;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Api.Http;

/// <summary>Where new identifiers come from: the random source the domain never touches.</summary>
public static class FreshIdSource
{
    public static FreshIds New() => new(Guid.NewGuid(), NewVmGenId());

    /// <summary>A new vmgenid (a restore or rollback is a new generation for the guest).</summary>
    public static Guid NewVmGenId() => Guid.NewGuid();

    /// <summary>New UUIDs and a new MAC with <paramref name="macPrefix"/> for each of the NIC keys in <paramref name="keys"/>.</summary>
    public static FreshIds New(IEnumerable<string> keys, string macPrefix) =>
        New() with { Macs = keys.Where(NetSpec.IsNetKey).Distinct().ToDictionary(k => k, _ => RandomMac(macPrefix)) };

    /// <summary>A random locally administered unicast MAC with the given prefix (Proxmox's mac_prefix, e.g. BC:24:11).</summary>
    public static string RandomMac(string prefix)
    {
        var parts = prefix.Split(':', StringSplitOptions.RemoveEmptyEntries);
        var bytes = RandomNumberGenerator.GetBytes(6 - parts.Length);
        // random_ether_addr: clear the multicast bit, set the locally administered bit.
        if (parts.Length == 0) bytes[0] = (byte)((bytes[0] & 0xFE) | 0x02);
        return string.Join(':', parts.Select(p => p.ToUpperInvariant()).Concat(bytes.Select(b => b.ToString("X2"))));
    }
}
