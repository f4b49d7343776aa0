using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.ReadModel;

/// <summary>
/// Listing answers ("VMs on node2", "all tasks") built from tagged events via Persistence Query.
/// After catching up it wakes every task that has not finished, so workflows resume after a restart.
/// Entities on this member also push each tagged event as they persist it (<see cref="TaggedEventPersisted"/>);
/// the tag poll, which is slow, brings the events of other members and any push that could not be applied.
/// </summary>
public sealed class ClusterReadModelActor : ReceiveActor
{
    private readonly Dictionary<int, VmEntry> _vms = new();
    private readonly Dictionary<string, TaskEntry> _tasks = new();
    private readonly Dictionary<string, long> _appliedSeq = new(); // per entity: its last tagged event applied here
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _taskRouter;
    private long _vmOffset, _taskOffset;
    private int _caughtUpStreams;

    private sealed record Envelope(string Tag, EventEnvelope Event);
    private sealed record StreamDone(string Tag);

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
            Apply(p.Event);
        });
        Receive<StreamDone>(d => OnCaughtUp(d.Tag));
        Receive<ListVms>(q => Sender.Tell(new VmList(_vms.Values
            .Where(v => q.Node is null || v.Node == q.Node).OrderBy(v => v.VmId).ToList())));
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
        Receive<GetReadModelStatus>(_ => Sender.Tell(new ReadModelStatus(_caughtUpStreams >= 2,
            Math.Max(_vmOffset, _taskOffset), _vms.Count, _tasks.Count)));
    }

    protected override void PreStart()
    {
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var mat = Context.System.Materializer();
        var self = Self;
        Context.System.EventStream.Subscribe(self, typeof(TaggedEventPersisted));
        foreach (var tag in new[] { EventTagger.VmTag, EventTagger.TaskTag })
        {
            journal.CurrentEventsByTag(tag, Offset.NoOffset())
                .RunForeach(e => self.Tell(new Envelope(tag, e)), mat)
                .ContinueWith(_ => self.Tell(new StreamDone(tag)));
        }
    }

    private void OnCaughtUp(string tag)
    {
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var self = Self;
        var offset = tag == EventTagger.VmTag ? _vmOffset : _taskOffset;
        journal.EventsByTag(tag, Offset.Sequence(offset))
            .RunForeach(e => self.Tell(new Envelope(tag, e)), Context.System.Materializer());
        if (++_caughtUpStreams < 2) return;

        var unfinished = _tasks.Values.Where(t => t.EndedAt is null).Select(t => t.Upid).ToList();
        _log.Info("Read model caught up: {0} VMs, {1} tasks, waking {2} unfinished", _vms.Count, _tasks.Count, unfinished.Count);
        foreach (var upid in unfinished) _taskRouter.Tell(new WakeTask(upid));
    }

    private static string WithLock(string configText, string? lockName)
    {
        var cfg = QmConfig.Parse(configText);
        cfg["lock"] = lockName;
        return cfg.ToString();
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
        Apply(env.Event);
    }

    private void Apply(object evt)
    {
        switch (evt)
        {
            case VmCreated c:
                _vms[c.VmId] = new VmEntry(c.VmId, c.Node, c.ConfigText, QmConfig.Parse(c.ConfigText).Lock);
                break;
            case VmConfigReplaced r when _vms.TryGetValue(r.VmId, out var v):
                _vms[r.VmId] = v with { ConfigText = r.ConfigText, Lock = QmConfig.Parse(r.ConfigText).Lock };
                break;
            case VmLocked l when _vms.TryGetValue(l.VmId, out var v):
                _vms[l.VmId] = v with { Lock = l.Lock, ConfigText = WithLock(v.ConfigText, l.Lock) };
                break;
            case VmUnlocked u when _vms.TryGetValue(u.VmId, out var v):
                _vms[u.VmId] = v with { Lock = null, ConfigText = WithLock(v.ConfigText, null) };
                break;
            case VmOwnerMoved m when _vms.TryGetValue(m.VmId, out var v):
                _vms[m.VmId] = v with { Node = m.To, ConfigText = m.ConfigText };
                break;
            case VmDestroyed d:
                _vms.Remove(d.VmId);
                break;
            case TaskStarted s when Upid.TryParse(s.Upid, out var u):
                _tasks[s.Upid] = new TaskEntry(s.Upid, u!.Node, u.Type, u.Id, u.User, s.At, null, null);
                break;
            case TaskFinished f when _tasks.TryGetValue(f.Upid, out var t):
                _tasks[f.Upid] = t with { EndedAt = f.At, ExitStatus = f.ExitStatus };
                break;
            case TaskRejected r:
                _tasks.Remove(r.Upid);
                break;
        }
    }
}
