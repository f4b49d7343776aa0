using ActorMigration.Domain.Vms;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorMigration.Actors.Vms;

/// <summary>Registry key of the VM shard region.</summary>
public sealed class VirtualMachineRegion;

public sealed class VmMessageExtractor() : HashCodeMessageExtractor(100)
{
    public override string? EntityId(object message) => message switch
    {
        IVmCommand c => c.VmId.ToString(),
        _ => null
    };
}

public static class VirtualMachineHosting
{
    public static AkkaConfigurationBuilder AddVirtualMachines(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegion<VirtualMachineRegion>(
            VirtualMachineActor.TypeName,
            VirtualMachineActor.Props,
            new VmMessageExtractor(),
            new ShardOptions { StateStoreMode = StateStoreMode.DData, RememberEntities = false });
}
