using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using Akka.Persistence.Journal;

namespace ActorMigration.Actors.Persistence;

/// <summary>Tags events for the read model: "vm" for VM records, "task" for task start and end.</summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public const string VmTag = "vm";
    public const string TaskTag = "task";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => TagOf(evt) is { } tag ? new Tagged(evt, [tag]) : evt;

    /// <summary>The tag an event is written with, or null: the read model sees only tagged events.</summary>
    public static string? TagOf(object evt) => evt switch
    {
        IVmEvent => VmTag,
        TaskStarted or TaskFinished or TaskRejected => TaskTag,
        _ => null
    };
}
