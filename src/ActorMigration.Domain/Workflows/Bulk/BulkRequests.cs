namespace ActorMigration.Domain.Workflows.Bulk;

/// <summary>POST /nodes/{node}/migrateall, validated: <paramref name="Vms"/> null means every guest on the node.</summary>
public sealed record MigrateAllRequest(string Node, string Target, int MaxWorkers, IReadOnlyList<int>? Vms, bool? WithLocalDisks, string User);

/// <summary>The evacuation of a node put in maintenance: every VM that can move goes to the best allowed node.</summary>
public sealed record EvacuationRequest(string Node, bool WithLocalDisks, string User);
