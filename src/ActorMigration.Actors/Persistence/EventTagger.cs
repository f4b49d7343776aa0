using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using Akka.Persistence.Journal;

namespace ActorMigration.Actors.Persistence;

/// <summary>
/// Tags events for the read model ("vm" for VM records, "task" for task start and end) and for the task-events stream
/// ("task-state" for every task state change).
/// </summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public const string VmTag = "vm";
    public const string TaskTag = "task";
    public const string TaskStateTag = "task-state";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => TagsOf(evt) is { Count: > 0 } tags ? new Tagged(evt, tags) : evt;

    /// <summary>Every tag an event is written with.</summary>
    public static IReadOnlyList<string> TagsOf(object evt)
    {
        var tag = TagOf(evt);
        var state = TaskStateChanges.IsStateChange(evt);
        return (tag, state) switch
        {
            (null, false) => [],
            (null, true) => [TaskStateTag],
            (_, false) => [tag],
            _ => [tag, TaskStateTag]
        };
    }

    /// <summary>The tag an event is written with, or null: the read model sees only tagged events.</summary>
    public static string? TagOf(object evt) => evt switch
    {
        IVmEvent => VmTag,
        TaskStarted or TaskFinished or TaskRejected => TaskTag,
        _ => null
    };
}
