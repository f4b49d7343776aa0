using System.Collections.Concurrent;
using ActorMigration.Domain.Vms;
using Akka.Actor;

namespace ActorMigration.Actors.ReadModel;

/// <summary>A VM's owner node and whether it is locked, as this member's read model last saw it.</summary>
public sealed record VmOwner(string? Node, bool Locked);

/// <summary>
/// The read model's view of VM owners, readable without asking an actor (the VM records' allocation strategy reads
/// it synchronously). Written only by <see cref="ClusterReadModelActor"/>; as current as that member's read model.
/// </summary>
public sealed class VmOwnerView : IExtension
{
    private readonly ConcurrentDictionary<int, VmOwner> _owners = new();

    public static VmOwnerView Get(ActorSystem system) => system.WithExtension<VmOwnerView, VmOwnerViewProvider>();

    public VmOwner? Of(int vmid) => _owners.GetValueOrDefault(vmid);

    public void Apply(VmState state)
    {
        if (state.Exists) _owners[state.VmId] = new VmOwner(state.Node, state.LockOwner is not null || state.Lock is not null);
        else _owners.TryRemove(state.VmId, out _);
    }
}

public sealed class VmOwnerViewProvider : ExtensionIdProvider<VmOwnerView>
{
    public override VmOwnerView CreateExtension(ExtendedActorSystem system) => new();
}
