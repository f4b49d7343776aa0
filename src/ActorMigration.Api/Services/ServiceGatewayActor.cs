using ActorMigration.Contracts;
using Akka.Actor;
using Akka.Event;

namespace ActorMigration.Api.Services;

/// <summary>
/// The ClusterClient entry on every member (<see cref="Gateway.Path"/>): each request goes to this member's REST API as the
/// request it stands for (<see cref="ServiceRest"/>), with the service's token and request id, and the answer goes back
/// to the sender; a subscription gets a <see cref="TaskEventRelayActor"/> of its own.
/// </summary>
public sealed class ServiceGatewayActor : ReceiveActor
{
    /// <summary>A start answers within the API's own 15 s (with the UPID once accepted); this leaves room for the HTTP round trip.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ServiceGatewayActor(LoopbackApi api)
    {
        Receive<SubscribeTaskEvents>(s =>
        {
            _log.Info("Service subscription to task events from {Subscriber} (since {Since}, upid {Upid})", Sender.Path, s.Since, s.Upid);
            Context.ActorOf(Props.Create(() => new TaskEventRelayActor(api, s, Sender)));
        });
        Receive<UnsubscribeTaskEvents>(_ =>
        {
            foreach (var relay in Context.GetChildren()) relay.Forward(TaskEventRelayActor.Unsubscribe.Instance);
        });
        Receive<IServiceMessage>(m => ServiceRest.TokenOf(m) is not null, m =>
        {
            var call = ServiceRest.For(m);
            var requestId = (m as SubmitTask)?.RequestId;
            _log.Info("Service request {Method} {Path} (request id {RequestId}) from {Client}", call.Method, call.Path, requestId, Sender.Path);
            Ask(api, m, call, requestId).PipeTo(Sender);
        });
    }

    private static async Task<IServiceMessage> Ask(LoopbackApi api, IServiceMessage m, RestCall call, string? requestId)
    {
        try
        {
            var (status, reason, body) = await api.SendAsync(call, ServiceRest.TokenOf(m)!, requestId, RequestTimeout);
            return ServiceRest.Reply(m, status, reason, body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // Not answered: with a request id a retry (through any member) is safe and gets the same UPID.
            return new Refused(503, $"member API did not answer: {e.Message}");
        }
    }
}
