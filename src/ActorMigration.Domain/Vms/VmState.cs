using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Vms;

/// <summary>
/// The VM record: config, owner node, lock and linked-clone children. <see cref="Damage"/> is set when an event of
/// the record could not be read (the state after it is the last one known).
/// </summary>
public sealed record VmState(
    int VmId,
    bool Exists,
    string? Node,
    string ConfigText,
    string? LockOwner,
    ImmutableSortedSet<int> LinkedClones,
    string? Damage = null)
{
    public static VmState Empty(int vmid) => new(vmid, false, null, "", null, ImmutableSortedSet<int>.Empty);

    /// <summary>The stored config as Proxmox reads it: lines that cannot be parsed are skipped (see <see cref="Error"/>).</summary>
    public QmConfig Config => QmConfig.Parse(ConfigText);
    public string? Lock => Exists ? Config.Lock : null;

    /// <summary>What cannot be read of this record (an unreadable event, config lines that do not parse), or null.</summary>
    public string? Error
    {
        get
        {
            if (!Exists) return null;
            var problems = Config.ParseErrors.Prepend(Damage).OfType<string>().ToList();
            return problems.Count == 0 ? null : string.Join("\n", problems);
        }
    }

    public string Digest => DigestOf(ConfigText);

    public static string DigestOf(string configText) =>
        Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(configText))).ToLowerInvariant();

    public VmRecordView ToView() =>
        new(VmId, Exists, Node, ConfigText, Lock, LockOwner, LinkedClones.ToList(), Digest, Error);
}
