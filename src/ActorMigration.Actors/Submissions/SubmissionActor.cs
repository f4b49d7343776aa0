using ActorMigration.Domain.Submissions;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Submissions;

/// <summary>
/// The claim of one caller's client request id (Idempotency-Key): persist first, then reply. The first claim wins for
/// <see cref="IdempotencyKeys.Lifetime"/>; an expired claim is replaced by the next one.
/// </summary>
public sealed class SubmissionActor : ReceivePersistentActor
{
    public const string TypeName = "submission";
    public const string PersistenceIdPrefix = "submission-";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SubmissionClaimed? _claim;

    public override string PersistenceId { get; }

    public static Props Props(string entityId) => Akka.Actor.Props.Create(() => new SubmissionActor(entityId));

    public SubmissionActor(string entityId)
    {
        PersistenceId = PersistenceIdPrefix + entityId;
        Recover<SubmissionClaimed>(c => _claim = c);
        Command<GetSubmission>(g => Sender.Tell(Live(g.At)));
        Command<ClaimSubmission>(c =>
        {
            if (Live(c.At) is { Start: not null } held)
            {
                Sender.Tell(held);
                return;
            }
            var sender = Sender;
            Persist(new SubmissionClaimed(c.Key, c.User, c.Fingerprint, c.Start, c.At), e =>
            {
                _claim = e;
                _log.Info("Client request id of {0} claimed for task {1}", e.User, e.Start.Upid);
                sender.Tell(new SubmissionReply(e.Fingerprint, e.Start));
            });
        });
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    protected override void PreStart()
    {
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(2));
        base.PreStart();
    }

    private SubmissionReply Live(DateTimeOffset now) =>
        _claim is { } c && !IdempotencyKeys.Expired(c.At, now) ? new SubmissionReply(c.Fingerprint, c.Start) : SubmissionReply.None;
}
