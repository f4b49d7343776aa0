namespace ActorMigration.Domain.Ha;

/// <summary>An event of the HA configuration (resources and groups).</summary>
public interface IHaConfigEvent;

/// <summary>A resource added or changed; carries the whole new record.</summary>
public sealed record HaResourceSaved(HaResource Resource) : IHaConfigEvent;

public sealed record HaResourceRemoved(string Sid) : IHaConfigEvent;

/// <summary>A group added or changed; carries the whole new record.</summary>
public sealed record HaGroupSaved(HaGroup Group) : IHaConfigEvent;

public sealed record HaGroupRemoved(string Name) : IHaConfigEvent;

/// <summary>
/// A change to make once the task <paramref name="Upid"/> has ended well, as Proxmox does at the end of its worker: add
/// <paramref name="Add"/> after a create with <c>ha-managed=1</c>, remove <paramref name="RemoveSid"/> after a destroy with
/// <c>purge=1</c>. Kept until the task has ended, so that it survives the crash of any member.
/// </summary>
public sealed record HaFollowUpPlanned(string Upid, HaResource? Add, string? RemoveSid) : IHaConfigEvent;

/// <summary>The follow-up of the task is done (applied, or dropped because the task did not end well).</summary>
public sealed record HaFollowUpEnded(string Upid) : IHaConfigEvent;

/// <summary>An HA rule added or changed; carries the whole new rule.</summary>
public sealed record HaRuleSaved(HaRule Rule) : IHaConfigEvent;

public sealed record HaRuleRemoved(string Name) : IHaConfigEvent;
