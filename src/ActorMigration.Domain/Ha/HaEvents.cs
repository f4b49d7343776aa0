namespace ActorMigration.Domain.Ha;

/// <summary>An event of the HA configuration (resources and groups).</summary>
public interface IHaConfigEvent;

/// <summary>A resource added or changed; carries the whole new record.</summary>
public sealed record HaResourceSaved(HaResource Resource) : IHaConfigEvent;

public sealed record HaResourceRemoved(string Sid) : IHaConfigEvent;

/// <summary>A group added or changed; carries the whole new record.</summary>
public sealed record HaGroupSaved(HaGroup Group) : IHaConfigEvent;

public sealed record HaGroupRemoved(string Name) : IHaConfigEvent;
