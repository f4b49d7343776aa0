using ActorMigration.Domain.Workflows;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>Registry key of the member's <see cref="PrecheckActor"/>.</summary>
public sealed class Precheck;

/// <summary>
/// Answers the API's pre-checks: a fact-gathering step (e.g. <see cref="GatherMigrationFacts"/>) → its facts, gathered
/// by the member's own step runner, so the member's configured timeouts apply as in the workflows.
/// </summary>
public sealed class PrecheckActor : ReceiveActor
{
    public static Props Props(StepRunner runner) => Akka.Actor.Props.Create(() => new PrecheckActor(runner));

    public PrecheckActor(StepRunner runner) =>
        Receive<WorkflowStep>(step => runner.Gather(step).PipeTo(Sender));
}
