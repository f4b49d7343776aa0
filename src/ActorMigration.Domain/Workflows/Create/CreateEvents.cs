namespace ActorMigration.Domain.Workflows.Create;

/// <summary>Persisted events of a create (and import) task.</summary>
public interface ICreateEvent : IWorkflowEvent;

public sealed record CreateRequested(CreateRequest Request) : ICreateEvent;

public sealed record CreateDiskReady(string Drive, string Volid, long SizeBytes) : ICreateEvent;
