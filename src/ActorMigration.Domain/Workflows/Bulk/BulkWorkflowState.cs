namespace ActorMigration.Domain.Workflows.Bulk;

/// <summary>The migrateall task: its request and its children (one round).</summary>
public sealed record BulkWorkflowState(WorkflowCore Core, MigrateAllRequest? Request, BulkRun Run) : IWorkflowState<BulkWorkflowState>
{
    public BulkWorkflowState WithCore(WorkflowCore core) => this with { Core = core };

    [System.Text.Json.Serialization.JsonIgnore]
    public string Phase => Core.Finished ? "done"
        : Run.Current is not { } r ? "scan"
        : $"migrate ({Run.Ended.Count} of {r.Children.Count} ended)";
}
