using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Vms;

/// <summary>The VM record: config, owner node, lock and linked-clone children.</summary>
public sealed record VmState(
    int VmId,
    bool Exists,
    string? Node,
    string ConfigText,
    string? LockOwner,
    ImmutableSortedSet<int> LinkedClones)
{
    public static VmState Empty(int vmid) => new(vmid, false, null, "", null, ImmutableSortedSet<int>.Empty);

    public QmConfig Config => QmConfig.Parse(ConfigText);
    public string? Lock => Exists ? Config.Lock : null;

    public string Digest => DigestOf(ConfigText);

    public static string DigestOf(string configText) =>
        Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(configText))).ToLowerInvariant();

    public VmSnapshot ToSnapshot() =>
        new(VmId, Exists, Node, ConfigText, Lock, LockOwner, LinkedClones.ToList(), Digest);
}
