using ActorMigration.Actors.Metrics;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>One migration (qm migrate), online or offline, as a persistent workflow keyed by its UPID.</summary>
public sealed class MigrationWorkflowActor : WorkflowActor<MigrationWorkflowState>
{
    public const string TypeName = "migration";
    public const string PersistenceIdPrefix = "migration-";
    private static readonly MigrationMachine Machine = new();
    private readonly MigrationMetrics _metrics = MemberMetrics.Get(Context.System).Migrations;

    public MigrationWorkflowActor(string upid, StepRunner runner) : base(PersistenceIdPrefix, upid, Machine, runner) =>
        Command<ForceCompleteTask>(_ => Sender.Tell(TryCommand(new ForceCompleteMigration())));

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new MigrationWorkflowActor(upid, runner));

    protected override string Phase(MigrationWorkflowState state) => state.Phase;

    protected override void Observed(MigrationWorkflowState state, StepResult? result) => _metrics.Observe(state, result);

    protected override void PostStop()
    {
        _metrics.Remove(State.Core.Upid);
        base.PostStop();
    }

    protected override IReadOnlyList<string> NodesOf(MigrationWorkflowState state) =>
        state.Request is { } r ? [r.Source, r.Target] : [];
}
