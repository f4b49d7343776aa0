using ActorMigration.Domain.Workflows;
using Akka.Actor;
using Akka.Persistence;

namespace ActorMigration.Bench;

/// <summary>
/// The baseline: persists a given number of events and reports when done. Batched: all at once, so the
/// journal can group them. Sequential: one after the other, each waiting for the previous write, as a workflow must.
/// </summary>
public sealed class BarePersistentActor : ReceivePersistentActor
{
    public sealed record Run(int Events, bool Sequential);
    public sealed record Finished;

    public override string PersistenceId { get; }

    public BarePersistentActor(string id)
    {
        PersistenceId = "bare-" + id;
        Recover<IWorkflowEvent>(_ => { });
        Command<Run>(r =>
        {
            var sender = Sender;
            if (r.Sequential)
            {
                var left = r.Events;
                void Next() => Persist(new StepCompleted($"step-{left}"), _ =>
                {
                    if (--left == 0) sender.Tell(new Finished());
                    else Next();
                });
                Next();
            }
            else
            {
                var events = Enumerable.Range(0, r.Events).Select(i => new StepCompleted($"step-{i}")).ToList();
                var left = events.Count;
                PersistAll(events, _ =>
                {
                    if (--left == 0) sender.Tell(new Finished());
                });
            }
        });
    }
}
