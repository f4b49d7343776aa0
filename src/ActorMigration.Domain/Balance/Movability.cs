using ActorMigration.Domain.Config;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Domain.Balance;

/// <summary>Why a VM stays on its node: one kind and one text per reason (evacuation <c>WARN:</c> lines, plan <c>blocked</c>).</summary>
public sealed record MoveBlock(int VmId, string Node, string Kind, string Reason)
{
    public string Line => $"VM {VmId} stays on node '{Node}': {Reason}";
}

public static class MoveBlockKinds
{
    public const string Template = "template";
    public const string LocalResources = "local-resources";
    public const string LocalDisk = "local-disk";
    public const string Pinned = "pinned";
    public const string NoRoom = "no-room";
    public const string Locked = "locked";
}

/// <summary>The one home of the reasons a VM cannot move (design15 §3.3); checked in this order, the first wins.</summary>
public static class Movability
{
    /// <param name="eligibleNodes">Nodes that may receive VMs (online, not in maintenance).</param>
    /// <param name="withLocalDisks">The policy: running VMs with local disks may move (with-local-disks).</param>
    public static MoveBlock? Check(
        VmDemand vm, QmConfig cfg, StorageConfig storage, HaGroup? group, IReadOnlyCollection<string> eligibleNodes, bool withLocalDisks)
    {
        if (cfg.Main["template"] == "1") return Block(vm, MoveBlockKinds.Template, "template");
        var devices = MigrationChecks.LocalResources(cfg.Main).Concat(MigrationChecks.LocalFiles(cfg)).ToList();
        if (devices.Count > 0) return Block(vm, MoveBlockKinds.LocalResources, $"local resources: {string.Join(", ", devices)}");
        if (vm.Running && !withLocalDisks && LocalDisks(cfg, storage) is [_, ..] disks)
            return Block(vm, MoveBlockKinds.LocalDisk, $"local disk without with-local-disks: {string.Join(", ", disks)}");
        if (Pinned(vm.Node, group, eligibleNodes) is { } pin) return Block(vm, MoveBlockKinds.Pinned, pin);
        return vm.Lock is { } l ? Locked(vm, l) : null;
    }

    public static MoveBlock Locked(VmDemand vm, string lockName) => Block(vm, MoveBlockKinds.Locked, $"locked ({lockName})");

    /// <summary>No candidate accepted the VM: each node's refusal, e.g. <c>node1 has 1.0 GiB free (needs 4.0 GiB), node3 in maintenance</c>.</summary>
    public static MoveBlock NoRoom(VmDemand vm, IEnumerable<string> refusals) =>
        Block(vm, MoveBlockKinds.NoRoom, $"no allowed node: {string.Join(", ", refusals)}");

    /// <summary>Attached local (non-shared) disks a live migration would have to copy; generated drives are copied offline.</summary>
    public static IReadOnlyList<string> LocalDisks(QmConfig cfg, StorageConfig storage) =>
        MigrationChecks.Volumes(cfg, storage)
            .Where(v => !v.Shared && !v.IsUnused && !v.InSnapshot && v.Drive != "tpmstate0" && !(v.Cdrom && MigrationChecks.IsCloudInit(v.Volid)))
            .Select(v => v.Volid)
            .ToList();

    /// <summary>A restricted HA group with no eligible node besides the VM's own.</summary>
    public static string? Pinned(string node, HaGroup? group, IReadOnlyCollection<string> eligibleNodes)
    {
        if (group is not { Restricted: true }) return null;
        return group.Nodes.Any(n => n.Node != node && eligibleNodes.Contains(n.Node))
            ? null
            : $"pinned by HA group '{group.Name}' (restricted to {string.Join(",", group.Nodes.Select(n => n.Node))})";
    }

    private static MoveBlock Block(VmDemand vm, string kind, string reason) => new(vm.VmId, vm.Node, kind, reason);
}
