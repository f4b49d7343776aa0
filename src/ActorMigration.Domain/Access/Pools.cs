using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Access;

/// <summary>A resource pool of user.cfg: a comment, its VMs and its storages (each VM is in at most one pool).</summary>
public sealed record AccessPool(string PoolId, string? Comment, IReadOnlyList<int> Vms, IReadOnlyList<string> Storage);

/// <summary>POST /pools.</summary>
public sealed record CreatePool(string PoolId, string? Comment) : IAccessCommand;

/// <summary>PUT /pools/{poolid}: comment, VMs and storages added (or removed with <paramref name="Delete"/>).</summary>
public sealed record UpdatePool(string PoolId, string? Comment, IReadOnlyList<int> Vms, IReadOnlyList<string> Storage, bool Delete,
    bool AllowMove) : IAccessCommand;

/// <summary>DELETE /pools/{poolid}; members not in <paramref name="ExistingVms"/>/<paramref name="ExistingStorage"/> are gone and ignored.</summary>
public sealed record DeletePool(string PoolId, IReadOnlyList<int> ExistingVms, IReadOnlyList<string> ExistingStorage) : IAccessCommand;

/// <summary>A VM created (into <paramref name="PoolId"/>, or none) or destroyed (none): it leaves any other pool.</summary>
public sealed record SetVmPool(int VmId, string? PoolId) : IAccessCommand;

public sealed record PoolSaved(AccessPool Pool) : IAccessEvent;

public sealed record PoolDeleted(string PoolId) : IAccessEvent;

/// <summary>Pool rules and texts as pve-access-control's API2::Pool (errors wrapped as lock_user_config wraps them).</summary>
public static partial class PoolDecider
{
    /// <summary>pve-poolid (one level: nested pools are not modelled).</summary>
    public static bool IsPoolId(string s) => s.Length <= 64 && PoolRegex().IsMatch(s);

    public static string? PoolOf(AccessState s, int vmid) => s.Pools.Values.FirstOrDefault(p => p.Vms.Contains(vmid))?.PoolId;

    public static (IReadOnlyList<IAccessEvent> Events, string? Error) Decide(AccessState s, IAccessCommand command) => command switch
    {
        CreatePool c => s.Pools.ContainsKey(c.PoolId) ? Fail($"create pool failed: pool '{c.PoolId}' already exists")
            : Ok(new PoolSaved(new AccessPool(c.PoolId, string.IsNullOrEmpty(c.Comment) ? null : c.Comment, [], []))),
        UpdatePool c => Update(s, c),
        DeletePool c => Delete(s, c),
        SetVmPool c => SetVm(s, c),
        _ => Fail($"unknown pool command {command.GetType().Name}"),
    };

    private static (IReadOnlyList<IAccessEvent>, string?) Ok(params IAccessEvent[] events) => (events, null);

    private static (IReadOnlyList<IAccessEvent>, string?) Fail(string error) => ([], error);

    private static (IReadOnlyList<IAccessEvent>, string?) Update(AccessState s, UpdatePool c)
    {
        const string failed = "update pools failed: ";
        if (!s.Pools.TryGetValue(c.PoolId, out var pool)) return Fail($"{failed}pool '{c.PoolId}' does not exist");
        var events = new List<IAccessEvent>();
        var vms = pool.Vms.ToList();
        foreach (var vmid in c.Vms)
        {
            if (c.Delete)
            {
                if (!vms.Remove(vmid)) return Fail($"{failed}VM {vmid} is not a pool member");
                continue;
            }
            if (vms.Contains(vmid)) return Fail($"{failed}VM {vmid} is already a pool member");
            if (PoolOf(s, vmid) is { } other)
            {
                if (!c.AllowMove) return Fail($"{failed}VM {vmid} belongs already to pool '{other}' and allow-move is not set");
                var previous = s.Pools[other];
                events.Add(new PoolSaved(previous with { Vms = previous.Vms.Where(v => v != vmid).ToList() }));
            }
            vms.Add(vmid);
        }
        var storage = pool.Storage.ToList();
        foreach (var id in c.Storage)
        {
            if (c.Delete ? !storage.Remove(id) : storage.Contains(id))
                return Fail($"{failed}Storage '{id}' is {(c.Delete ? "not" : "already")} a pool member");
            if (!c.Delete) storage.Add(id);
        }
        events.Add(new PoolSaved(pool with
        {
            Comment = c.Comment is null ? pool.Comment : c.Comment.Length == 0 ? null : c.Comment,
            Vms = vms.Order().ToList(),
            Storage = storage.Order(StringComparer.Ordinal).ToList(),
        }));
        return (events, null);
    }

    private static (IReadOnlyList<IAccessEvent>, string?) Delete(AccessState s, DeletePool c)
    {
        if (!s.Pools.TryGetValue(c.PoolId, out var pool)) return Fail($"delete pool failed: pool '{c.PoolId}' does not exist");
        foreach (var vmid in pool.Vms.Where(c.ExistingVms.Contains))
            return Fail($"delete pool failed: pool '{c.PoolId}' is not empty (contains VM {vmid})");
        foreach (var id in pool.Storage.Where(c.ExistingStorage.Contains))
            return Fail($"delete pool failed: pool '{c.PoolId}' is not empty (contains storage '{id}')");
        return Ok(new PoolDeleted(c.PoolId));
    }

    private static (IReadOnlyList<IAccessEvent>, string?) SetVm(AccessState s, SetVmPool c)
    {
        if (c.PoolId is not null && !s.Pools.ContainsKey(c.PoolId)) return Fail($"pool '{c.PoolId}' does not exist");
        var events = new List<IAccessEvent>();
        foreach (var p in s.Pools.Values.Where(p => p.Vms.Contains(c.VmId) && p.PoolId != c.PoolId))
            events.Add(new PoolSaved(p with { Vms = p.Vms.Where(v => v != c.VmId).ToList() }));
        if (c.PoolId is { } id && !s.Pools[id].Vms.Contains(c.VmId))
            events.Add(new PoolSaved(s.Pools[id] with { Vms = s.Pools[id].Vms.Append(c.VmId).Order().ToList() }));
        return (events, null);
    }

    public static AccessState Apply(AccessState s, IAccessEvent e) => e switch
    {
        PoolSaved x => s with { Pools = s.Pools.SetItem(x.Pool.PoolId, x.Pool) },
        PoolDeleted x => s with
        {
            Pools = s.Pools.Remove(x.PoolId),
            Acl = s.Acl.RemoveAll(a => a.Path == $"/pool/{x.PoolId}"),
        },
        _ => s,
    };

    [GeneratedRegex(@"^[A-Za-z0-9\.\-_]+\z")]
    private static partial Regex PoolRegex();
}
