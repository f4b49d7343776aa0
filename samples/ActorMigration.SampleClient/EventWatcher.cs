using ActorMigration.Contracts;
using Akka.Actor;
using Akka.Cluster.Tools.Client;

namespace ActorMigration.SampleClient;

/// <summary>
/// Subscribes to task events through the ClusterClient and hands each one to <c>onEvent</c>, in order. Nothing for 40 s
/// (the member sends a keep-alive every 15 s) or an ended stream: subscribes again after the last position seen, through
/// whichever member the client reaches, so a lost member costs no event.
/// </summary>
public sealed class EventWatcher : ReceiveActor
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(40);
    private long? _last;

    public EventWatcher(IActorRef client, SubscribeTaskEvents subscribe, Func<TaskEvent, bool> onEvent, TaskCompletionSource<string> done)
    {
        _last = subscribe.Since;
        void Subscribe() => client.Tell(new ClusterClient.Send(Gateway.Path, subscribe with { Since = _last }, localAffinity: true));
        Subscribe();
        Context.SetReceiveTimeout(Silence);
        Receive<TaskEvent>(e =>
        {
            if (_last is { } last && e.Position <= last) return; // a resubscription's overlap
            _last = e.Position;
            if (!onEvent(e))
            {
                client.Tell(new ClusterClient.Send(Gateway.Path, UnsubscribeTaskEvents.Instance, localAffinity: true));
                done.TrySetResult("done");
                Context.Stop(Self);
            }
        });
        Receive<TaskEventsKeepAlive>(_ => { });
        Receive<TaskEventsEnded>(_ => Subscribe());
        Receive<ReceiveTimeout>(_ => Subscribe());
        Receive<Refused>(r =>
        {
            done.TrySetResult($"refused ({r.Status}): {r.Message}");
            Context.Stop(Self);
        });
    }
}
