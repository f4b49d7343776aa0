using System.Collections.Immutable;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Vms;

/// <summary>Decide/Apply of the VM record. Messages follow Proxmox's wording.</summary>
public static class VmDecider
{
    public static string NoConfig(string node, int vmid) =>
        $"Configuration file 'nodes/{node}/qemu-server/{vmid}.conf' does not exist";

    public static string Locked(string lockName) => $"VM is locked ({lockName})";

    public const string DigestMismatch = "checksum mismatch (file change by other user?)";

    /// <summary>Events for the command, or the refusal. Queries return no events.</summary>
    public static (IReadOnlyList<IVmEvent> Events, string? Error) Decide(VmState s, IVmCommand cmd)
    {
        switch (cmd)
        {
            case GetVm:
                return Ok();

            case CreateVm c:
            {
                if (s.Exists)
                    return Err($"unable to create VM {c.VmId} - VM {c.VmId} already exists on node '{s.Node}'");
                if (!QmConfig.TryParse(c.ConfigText, out var cfg, out var perr)) return Err(perr!);
                if (Persistable(cfg!, out var text) is { } werr) return Err(werr);
                var created = new List<IVmEvent> { new VmCreated(c.VmId, c.Node, text) };
                if (c.Lock is not null && c.Owner is not null)
                {
                    cfg!["lock"] = c.Lock;
                    if (Persistable(cfg, out _) is { } lerr) return Err(lerr);
                    created.Add(new VmLocked(c.VmId, c.Lock, c.Owner));
                }
                return (created, null);
            }

            case EditVmConfig e:
            {
                if (!s.Exists || s.Node != e.Node) return Err(NoConfig(e.Node, e.VmId));
                if (!e.SkipLock && s.Lock is { } l && s.LockOwner != e.Owner) return Err(Locked(l));
                if (e.Digest is not null && !string.Equals(e.Digest, s.Digest, StringComparison.OrdinalIgnoreCase))
                    return Err(DigestMismatch);
                // A config with lines that cannot be parsed is edited as read: writing it drops those lines.
                var cfg = s.Config;
                PendingEdit.Apply(cfg, e);
                if (Persistable(cfg, out var text) is { } werr) return Err(werr);
                return text == s.ConfigText && s.Damage is null ? Ok() : (new IVmEvent[] { new VmConfigReplaced(e.VmId, text) }, null);
            }

            case MarkCloudInitGenerated g:
            {
                if (!s.Exists || s.Node != g.Node) return Err(NoConfig(g.Node, g.VmId));
                var cfg = s.Config;
                CloudInit.CloudInitChanges.Generated(cfg, g.SectionText);
                if (Persistable(cfg, out var text) is { } werr) return Err(werr);
                return text == s.ConfigText ? Ok() : (new IVmEvent[] { new VmConfigReplaced(g.VmId, text) }, null);
            }

            case ReplaceVmConfig r:
            {
                if (!s.Exists) return Err($"VM {r.VmId} does not exist");
                if (s.LockOwner != r.Owner) return Err(s.Lock is { } l ? Locked(l) : "VM is not locked");
                if (!QmConfig.TryParse(r.ConfigText, out var cfg, out var err)) return Err(err!);
                // The lock stays as it is; the owner releases it separately.
                cfg!["lock"] = s.Lock;
                if (Persistable(cfg, out var text) is { } werr) return Err(werr);
                return text == s.ConfigText && s.Damage is null ? Ok() : (new IVmEvent[] { new VmConfigReplaced(r.VmId, text) }, null);
            }

            case AcquireVmLock a:
                if (!s.Exists) return Err(NoConfig(a.Node ?? "localhost", a.VmId));
                if (a.Node is not null && s.Node != a.Node) return Err(NoConfig(a.Node, a.VmId));
                if (s.LockOwner == a.Owner && s.Lock == a.Lock) return Ok();
                if (s.Lock is { } held) return Err(Locked(held));
                if (Persistable(WithLock(s.ConfigText, a.Lock), out _) is { } aerr) return Err(aerr);
                return (new IVmEvent[] { new VmLocked(a.VmId, a.Lock, a.Owner) }, null);

            case ReleaseVmLock r:
                return s.Exists && s.LockOwner == r.Owner && s.Lock is not null
                    ? (new IVmEvent[] { new VmUnlocked(r.VmId, r.Owner) }, null)
                    : Ok();

            case MoveVmOwner m:
                if (!s.Exists) return Err($"VM {m.VmId} does not exist");
                if (s.Node == m.To && s.LockOwner == m.Owner) return Ok();
                if (s.LockOwner != m.Owner) return Err(s.Lock is { } l2 ? Locked(l2) : "VM is not locked");
                if (s.Node != m.From) return Err(NoConfig(m.From, m.VmId));
                if (!QmConfig.TryParse(m.ConfigText, out var moved, out var merr)) return Err(merr!);
                moved!["lock"] = s.Lock;
                if (Persistable(moved, out var movedText) is { } mwerr) return Err(mwerr);
                return (new IVmEvent[] { new VmOwnerMoved(m.VmId, m.From, m.To, movedText) }, null);

            case DestroyVm d:
                if (!s.Exists) return d.Owner is not null ? Ok() : Err(NoConfig(d.Node, d.VmId));
                if (s.Node != d.Node) return Err(NoConfig(d.Node, d.VmId));
                if (s.Lock is { } dl && s.LockOwner != d.Owner) return Err(Locked(dl));
                if (!s.LinkedClones.IsEmpty)
                    return Err($"base volume is used by linked clone(s): {string.Join(", ", s.LinkedClones)}");
                return (new IVmEvent[] { new VmDestroyed(d.VmId, d.Node) }, null);

            case AddLinkedClone a:
                if (!s.Exists) return Err($"VM {a.VmId} does not exist");
                return s.LinkedClones.Contains(a.Child) ? Ok() : (new IVmEvent[] { new VmLinkedCloneAdded(a.VmId, a.Child) }, null);

            case RemoveLinkedClone r:
                return s.LinkedClones.Contains(r.Child) ? (new IVmEvent[] { new VmLinkedCloneRemoved(r.VmId, r.Child) }, null) : Ok();

            default:
                return Err($"unknown command {cmd.GetType().Name}");
        }
    }

    /// <summary>Never throws: a stored config that cannot be parsed is read leniently (see <see cref="VmState.Error"/>).</summary>
    public static VmState Apply(VmState s, IVmEvent e) => e switch
    {
        VmCreated c => s with
        {
            Exists = true,
            Node = c.Node,
            ConfigText = c.ConfigText,
            LockOwner = null,
            LinkedClones = ImmutableSortedSet<int>.Empty,
            Damage = null
        },
        VmConfigReplaced r => s with { ConfigText = r.ConfigText, Damage = null },
        VmLocked l => s with { ConfigText = WithLock(s.ConfigText, l.Lock).ToString(), LockOwner = l.Owner },
        VmUnlocked => s with { ConfigText = WithLock(s.ConfigText, null).ToString(), LockOwner = null },
        VmOwnerMoved m => s with { Node = m.To, ConfigText = m.ConfigText, Damage = null },
        VmDestroyed => VmState.Empty(s.VmId),
        VmLinkedCloneAdded a => s with { LinkedClones = s.LinkedClones.Add(a.Child) },
        VmLinkedCloneRemoved r => s with { LinkedClones = s.LinkedClones.Remove(r.Child) },
        _ => s
    };

    /// <summary>
    /// An event of the record that could not be read (its payload does not decode): the record is kept as it was
    /// before, marked damaged. If it is the first event, the record exists without a known node. Any later event
    /// that writes the whole config (a config edit, a move) clears the mark.
    /// </summary>
    public static VmState Unreadable(VmState s, long sequenceNr, string manifest) =>
        s with { Exists = true, Damage = $"record event {sequenceNr} ({manifest}) is unreadable; the VM's state after it is unknown" };

    /// <summary>
    /// The one gate for every config the record stores: printed, parsed again, and equal (<see cref="QmConfig.PrintChecked"/>);
    /// otherwise the change is refused.
    /// </summary>
    private static string? Persistable(QmConfig cfg, out string text)
    {
        var printed = cfg.PrintChecked(out var error);
        text = printed ?? "";
        return error;
    }

    private static QmConfig WithLock(string configText, string? lockName)
    {
        var cfg = QmConfig.Parse(configText);
        cfg["lock"] = lockName;
        return cfg;
    }

    private static (IReadOnlyList<IVmEvent>, string?) Ok() => (Array.Empty<IVmEvent>(), null);
    private static (IReadOnlyList<IVmEvent>, string?) Err(string e) => (Array.Empty<IVmEvent>(), e);
}
