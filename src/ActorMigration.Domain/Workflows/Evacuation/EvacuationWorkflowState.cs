using ActorMigration.Domain.Workflows.Bulk;

namespace ActorMigration.Domain.Workflows.Evacuation;

/// <summary>The evacuate task: its request and its rounds of children.</summary>
public sealed record EvacuationWorkflowState(WorkflowCore Core, EvacuationRequest? Request, BulkRun Run)
    : IWorkflowState<EvacuationWorkflowState>
{
    public EvacuationWorkflowState WithCore(WorkflowCore core) => this with { Core = core };

    [System.Text.Json.Serialization.JsonIgnore]
    public string Phase => Core.Finished ? "done"
        : Run.Current is not { } r ? "scan"
        : $"round {r.Round + 1}: {r.Children.Count(c => Run.Ended.ContainsKey(c.Upid))} of {r.Children.Count} ended";
}
