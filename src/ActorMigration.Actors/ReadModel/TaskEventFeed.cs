using ActorMigration.Actors.Persistence;
using ActorMigration.Domain.Tasks;
using Akka;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams.Dsl;

namespace ActorMigration.Actors.ReadModel;

/// <summary>
/// Task state changes, live, from the journal's task-state tag: the one source of the SSE stream and the ClusterClient
/// subscription. The position is the tag offset, so a reader resumes after the last one it saw and misses none.
/// </summary>
public static class TaskEventFeed
{
    /// <summary>Every change after <paramref name="after"/> (0: from the first), then each new one as it is written.</summary>
    public static Source<TaskStateChange, NotUsed> After(ActorSystem system, long after) =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
            .EventsByTag(EventTagger.TaskStateTag, Offset.Sequence(after))
            .Select(Of)
            .Where(c => c is not null && c.Position > after)
            .Select(c => c!);

    /// <summary>The change a tagged event means; null for one of no task (a persistence id without a UPID).</summary>
    public static TaskStateChange? Of(EventEnvelope env)
    {
        if (env.Offset is not Sequence seq) return null;
        var i = env.PersistenceId.IndexOf("UPID:", StringComparison.Ordinal);
        if (i < 0) return null;
        var written = env.Timestamp > 0 && env.Timestamp < DateTime.MaxValue.Ticks
            ? new DateTimeOffset(env.Timestamp, TimeSpan.Zero)
            : DateTimeOffset.UnixEpoch;
        return TaskStateChanges.Of(seq.Value, env.PersistenceId[i..], env.Event, written);
    }
}
