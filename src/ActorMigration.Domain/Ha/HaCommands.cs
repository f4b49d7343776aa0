using System.Text.Json.Serialization;

namespace ActorMigration.Domain.Ha;

/// <summary>
/// A change of the HA configuration. The VM checks (it exists, its disks are shared: <see cref="HaEligibility"/>) are made
/// by the caller, which reads the VM; the store checks what the configuration itself knows. The type discriminator
/// lets a command cross to the member that hosts the store.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$cmd")]
[JsonDerivedType(typeof(AddHaResource), "res+")]
[JsonDerivedType(typeof(UpdateHaResource), "res~")]
[JsonDerivedType(typeof(RemoveHaResource), "res-")]
[JsonDerivedType(typeof(AddHaGroup), "group+")]
[JsonDerivedType(typeof(UpdateHaGroup), "group~")]
[JsonDerivedType(typeof(RemoveHaGroup), "group-")]
[JsonDerivedType(typeof(PlanHaFollowUp), "after")]
[JsonDerivedType(typeof(AddHaRule), "rule+")]
[JsonDerivedType(typeof(UpdateHaRule), "rule~")]
[JsonDerivedType(typeof(RemoveHaRule), "rule-")]
public interface IHaConfigCommand;

public sealed record AddHaResource(HaResource Resource) : IHaConfigCommand;

/// <summary>Null fields stay as they are; <paramref name="Delete"/> names options to unset; a digest must match.</summary>
public sealed record UpdateHaResource(
    string Sid, string? State, int? MaxRestart, int? MaxRelocate, string? Group, string? Comment,
    IReadOnlyList<string> Delete, string? Digest) : IHaConfigCommand;

/// <summary>
/// Removes the resource; with <paramref name="IfExists"/> a missing one is no error (destroy with purge). With
/// <paramref name="Purge"/> (Proxmox's default) it leaves the rules too; a rule left without resources is removed.
/// </summary>
public sealed record RemoveHaResource(string Sid, bool IfExists = false, bool Purge = true) : IHaConfigCommand;

public sealed record AddHaGroup(HaGroup Group) : IHaConfigCommand;

public sealed record UpdateHaGroup(
    string Name, IReadOnlyList<HaGroupNode>? Nodes, bool? Restricted, bool? NoFailback, string? Comment,
    IReadOnlyList<string> Delete, string? Digest) : IHaConfigCommand;

public sealed record RemoveHaGroup(string Name) : IHaConfigCommand;

/// <summary>Plans a <see cref="HaFollowUpPlanned"/> (once per task).</summary>
public sealed record PlanHaFollowUp(string Upid, HaResource? Add, string? RemoveSid) : IHaConfigCommand;

/// <summary>Adds a rule (its <see cref="HaRule.Order"/> is assigned by the store); <paramref name="Nodes"/>: the cluster's node count.</summary>
public sealed record AddHaRule(HaRule Rule, int Nodes) : IHaConfigCommand;

/// <summary>Null fields stay as they are; <paramref name="Delete"/> names options to unset; a digest must match.</summary>
public sealed record UpdateHaRule(
    string Name, IReadOnlyList<string>? Resources, string? Affinity, bool? Disable, string? Comment,
    IReadOnlyList<string> Delete, string? Digest, int Nodes) : IHaConfigCommand;

public sealed record RemoveHaRule(string Name) : IHaConfigCommand;
