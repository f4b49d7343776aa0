using ActorMigration.Domain.Workflows.Template;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>qmtemplate (convert a VM to a template) as a persistent workflow keyed by its UPID.</summary>
public sealed class TemplateWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<TemplateWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "template";
    public const string PersistenceIdPrefix = "template-";
    private static readonly TemplateMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new TemplateWorkflowActor(upid, runner));

    protected override string Phase(TemplateWorkflowState state) => state.Phase;
}
