using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Vms;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorMigration.Actors.Vms;

/// <summary>Registry key of the VM shard region.</summary>
public sealed class VirtualMachineRegion;

/// <summary>One shard per VM, so its record can live where the VM does (<see cref="VmRecordAllocationStrategy"/>).</summary>
public sealed class VmMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        IVmCommand c => c.VmId.ToString(),
        _ => null
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}

/// <summary>
/// What a VM record gets when its shard hands off: a command, so it waits behind a write in progress (a
/// <c>PoisonPill</c> would stop the record before its reply). Local only, never serialized.
/// </summary>
public sealed class VmRecordHandOff
{
    public static readonly VmRecordHandOff Instance = new();

    private VmRecordHandOff()
    {
    }
}

public static class VirtualMachineHosting
{
    public static AkkaConfigurationBuilder AddVirtualMachines(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
        {
            var owners = VmOwnerView.Get(system);
            var region = ClusterSharding.Get(system).Start(
                VirtualMachineActor.TypeName,
                VirtualMachineActor.Props,
                ShardingSettings.Of(system, rememberEntities: false),
                new VmMessageExtractor(),
                new VmRecordAllocationStrategy(system, owners.Of),
                VmRecordHandOff.Instance);
            registry.Register<VirtualMachineRegion>(region);
        });
}
