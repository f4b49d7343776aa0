using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorMigration.Actors.ReadModel;

/// <summary>
/// Listing answers ("VMs on node2", "all tasks") built from tagged events via Persistence Query.
/// After catching up it wakes every task that has not finished, so workflows resume after a restart.
/// Entities on this member also push each tagged event as they persist it (<see cref="TaggedEventPersisted"/>);
/// the tag poll, which is slow, brings the events of other members and any push that could not be applied.
/// </summary>
public sealed class ClusterReadModelActor : ReceiveActor, IWithTimers
{
    private readonly Dictionary<int, VmState> _vms = new(); // existing records only
    private readonly Dictionary<string, TaskEntry> _tasks = new();
    private readonly Dictionary<string, long> _appliedSeq = new(); // per entity: its last tagged event applied here
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly VmOwnerView _owners = VmOwnerView.Get(Context.System);
    private readonly RunningTaskView _running = RunningTaskView.Get(Context.System);
    private readonly IActorRef _taskRouter;
    private long _vmOffset, _taskOffset;
    private int _caughtUpStreams;

    private sealed record Envelope(string Tag, EventEnvelope Event);
    private sealed record StreamDone(string Tag);
    private sealed record LiveStreamEnded(string Tag, string? Error);
    private sealed record RestartLiveStream(string Tag);
    private sealed record RetryCatchUp;
    public static readonly TimeSpan LiveStreamRestartDelay = TimeSpan.FromSeconds(5);

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef taskRouter) => Akka.Actor.Props.Create(() => new ClusterReadModelActor(taskRouter));

    public ClusterReadModelActor(IActorRef taskRouter)
    {
        _taskRouter = taskRouter;
        Receive<Envelope>(e => Apply(e.Tag, e.Event));
        Receive<TaggedEventPersisted>(p =>
        {
            // Only the direct successor of what this model holds: anything else waits for the tag poll, in order.
            if (_appliedSeq.GetValueOrDefault(p.PersistenceId) != p.PreviousTaggedSequenceNr) return;
            _appliedSeq[p.PersistenceId] = p.SequenceNr;
            Apply(p.PersistenceId, p.SequenceNr, p.Event);
        });
        Receive<StreamDone>(d => OnCaughtUp(d.Tag));
        Receive<LiveStreamEnded>(e =>
        {
            // The live query ended (a journal error): keep serving what is here and follow again from the offset reached.
            _log.Error("Read model: live query of tag {0} ended ({1}); restarting in {2}", e.Tag, e.Error ?? "completed", LiveStreamRestartDelay);
            Timers.StartSingleTimer("live-" + e.Tag, new RestartLiveStream(e.Tag), LiveStreamRestartDelay);
        });
        Receive<RestartLiveStream>(r => FollowLive(r.Tag));
        Receive<RetryCatchUp>(_ => CatchUp());
        Receive<ListVms>(q => Sender.Tell(new VmList(_vms.Values
            .Where(v => q.Node is null || v.Node == q.Node).OrderBy(v => v.VmId)
            .Select(v => new VmEntry(v.VmId, v.Node, v.ConfigText, v.Lock, v.Error)).ToList())));
        Receive<ListTasks>(q => Sender.Tell(new TaskList(_tasks.Values
            .Where(t => q.Node is null || t.Node == q.Node)
            .Where(t => q.IncludeRunning || t.EndedAt is not null)
            .OrderByDescending(t => t.StartedAt).ToList())));
        Receive<NextFreeId>(q =>
        {
            var id = Math.Max(100, q.Lower);
            while (_vms.ContainsKey(id)) id++;
            Sender.Tell(new NextIdReply(id));
        });
        Receive<FindTask>(q => Sender.Tell(new TaskFound(_tasks.GetValueOrDefault(q.Upid), _caughtUpStreams >= 2)));
        Receive<GetReadModelStatus>(_ => Sender.Tell(new ReadModelStatus(_caughtUpStreams >= 2,
            Math.Max(_vmOffset, _taskOffset), _vms.Count, _tasks.Count)));
    }

    protected override void PreStart() => CatchUp();

    /// <summary>
    /// Reads both tags from the start. The query journal's creation asks the journal with a 5 s timeout, which a busy
    /// member's start can miss: it is retried instead of leaving the member without its read model.
    /// </summary>
    private void CatchUp()
    {
        SqlReadJournal journal;
        try
        {
            journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        }
        catch (Exception e)
        {
            _log.Warning("Read model: the query journal is not ready ({0}); retrying in 1 s", e.GetBaseException().Message);
            Timers.StartSingleTimer("catch-up", new RetryCatchUp(), TimeSpan.FromSeconds(1));
            return;
        }
        var mat = Context.System.Materializer();
        var self = Self;
        var log = _log;
        Context.System.EventStream.Subscribe(self, typeof(TaggedEventPersisted));
        foreach (var tag in new[] { EventTagger.VmTag, EventTagger.TaskTag })
        {
            journal.CurrentEventsByTag(tag, Offset.NoOffset())
                .RunForeach(e => self.Tell(new Envelope(tag, e)), mat)
                .ContinueWith(t =>
                {
                    if (t.IsFaulted) log.Error(t.Exception, "Read model: catching up on tag {0} failed", tag);
                    self.Tell(new StreamDone(tag));
                });
        }
    }

    private void OnCaughtUp(string tag)
    {
        FollowLive(tag);
        if (++_caughtUpStreams < 2) return;

        var unfinished = _tasks.Values.Where(t => t.EndedAt is null).Select(t => t.Upid).ToList();
        _running.CaughtUp();
        _log.Info("Read model caught up: {0} VMs, {1} tasks, waking {2} unfinished", _vms.Count, _tasks.Count, unfinished.Count);
        foreach (var upid in unfinished) _taskRouter.Tell(new WakeTask(upid));
    }

    private void FollowLive(string tag)
    {
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var self = Self;
        var offset = tag == EventTagger.VmTag ? _vmOffset : _taskOffset;
        journal.EventsByTag(tag, Offset.Sequence(offset))
            .RunForeach(e => self.Tell(new Envelope(tag, e)), Context.System.Materializer())
            .ContinueWith(t => self.Tell(new LiveStreamEnded(tag, t.Exception?.GetBaseException().Message)));
    }

    private void Apply(string tag, EventEnvelope env)
    {
        if (env.Offset is Sequence seq)
        {
            if (tag == EventTagger.VmTag)
            {
                if (seq.Value <= _vmOffset) return;
                _vmOffset = seq.Value;
            }
            else
            {
                if (seq.Value <= _taskOffset) return;
                _taskOffset = seq.Value;
            }
        }
        if (env.SequenceNr <= _appliedSeq.GetValueOrDefault(env.PersistenceId)) return; // pushed already
        _appliedSeq[env.PersistenceId] = env.SequenceNr;
        Apply(env.PersistenceId, env.SequenceNr, env.Event);
    }

    private void Apply(string persistenceId, long sequenceNr, object evt)
    {
        switch (evt)
        {
            case IVmEvent e:
                ApplyVm(e.VmId, persistenceId, sequenceNr, s => VmDecider.Apply(s, e), EventManifests.ByType.GetValueOrDefault(e.GetType(), e.GetType().Name));
                break;
            case UnreadableEvent u when persistenceId.StartsWith(VirtualMachineActor.PersistenceIdPrefix, StringComparison.Ordinal)
                                        && int.TryParse(persistenceId.AsSpan(VirtualMachineActor.PersistenceIdPrefix.Length), out var vmid):
                _log.Error("Read model: event {0} of {1} ({2}) is unreadable: {3}", sequenceNr, persistenceId, u.Manifest, u.Error);
                ApplyVm(vmid, persistenceId, sequenceNr, s => VmDecider.Unreadable(s, sequenceNr, u.Manifest), u.Manifest);
                break;
            case UnreadableEvent u:
                _log.Error("Read model: event {0} of {1} ({2}) is unreadable and skipped: {3}", sequenceNr, persistenceId, u.Manifest, u.Error);
                break;
            case TaskStarted s when Upid.TryParse(s.Upid, out var u):
                _tasks[s.Upid] = new TaskEntry(s.Upid, u!.Node, u.Type, u.Id, u.User, s.At, null, null);
                _running.Started(s.Upid);
                break;
            case TaskFinished f when _tasks.TryGetValue(f.Upid, out var t):
                _tasks[f.Upid] = t with { EndedAt = f.At, ExitStatus = f.ExitStatus };
                _running.Ended(f.Upid);
                break;
            case TaskRejected r:
                _tasks.Remove(r.Upid);
                _running.Ended(r.Upid);
                break;
        }
    }

    /// <summary>One home for the VM record's state (<see cref="VmDecider.Apply"/>); a failure marks the VM, never the model.</summary>
    private void ApplyVm(int vmid, string persistenceId, long sequenceNr, Func<VmState, VmState> apply, string manifest)
    {
        var before = _vms.GetValueOrDefault(vmid) ?? VmState.Empty(vmid);
        VmState after;
        try
        {
            after = apply(before);
        }
        catch (Exception ex)
        {
            _log.Error(ex, "Read model: event {0} of {1} ({2}) could not be applied", sequenceNr, persistenceId, manifest);
            after = VmDecider.Unreadable(before, sequenceNr, manifest);
        }
        if (after.Exists) _vms[vmid] = after;
        else _vms.Remove(vmid);
        _owners.Apply(after);
    }
}
