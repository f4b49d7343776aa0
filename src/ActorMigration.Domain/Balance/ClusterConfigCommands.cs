using System.Text.Json.Serialization;

namespace ActorMigration.Domain.Balance;

/// <summary>A change of the cluster configuration (sent to the singleton on another member: the type travels with it).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$cmd")]
[JsonDerivedType(typeof(SetClusterOptions), "options")]
[JsonDerivedType(typeof(EnableMaintenance), "maint+")]
[JsonDerivedType(typeof(DisableMaintenance), "maint-")]
public interface IClusterConfigCommand;

/// <summary>
/// Sets the non-null options of <paramref name="Set"/>, then unsets the keys named in <paramref name="Delete"/>
/// (<c>max_workers</c>, <c>migration-limits</c>), in Proxmox's set_options order: a key both set and deleted is deleted.
/// </summary>
public sealed record SetClusterOptions(ClusterOptions Set, IReadOnlyList<string> Delete, string User) : IClusterConfigCommand;

/// <summary>Puts <paramref name="Node"/> in maintenance with the evacuation task <paramref name="Upid"/>.</summary>
public sealed record EnableMaintenance(string Node, string Upid, bool WithLocalDisks, string User) : IClusterConfigCommand;

/// <summary>Takes <paramref name="Node"/> out of maintenance (VMs do not move back).</summary>
public sealed record DisableMaintenance(string Node, string User) : IClusterConfigCommand;
