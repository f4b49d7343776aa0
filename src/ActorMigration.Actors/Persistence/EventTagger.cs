using Akka.Persistence.Journal;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.Persistence;

/// <summary>Tags events for the read model: "vm" for VM records, "task" for task start and end.</summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public const string VmTag = "vm";
    public const string TaskTag = "task";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt switch
    {
        IVmEvent => new Tagged(evt, [VmTag]),
        TaskStarted or TaskFinished or TaskRejected => new Tagged(evt, [TaskTag]),
        _ => evt
    };
}
