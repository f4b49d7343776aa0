using System.Text.Json.Nodes;
using ActorMigration.Contracts;
using Akka.Actor;
using Akka.Event;

namespace ActorMigration.Api.Services;

/// <summary>
/// One service's task-event subscription: reads this member's <c>/cluster/tasks/events</c> stream with the service's token
/// (so the SSE stream's filters, privileges and resume rules are the ones that apply) and sends each event, in order, to
/// the subscriber. Ends with the stream, on unsubscribe, or when the subscriber's tunnel goes away.
/// </summary>
public sealed class TaskEventRelayActor : ReceiveActor
{
    public sealed record Unsubscribe
    {
        public static readonly Unsubscribe Instance = new();
    }

    private sealed record Ended(string Reason);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stop = new();

    public TaskEventRelayActor(LoopbackApi api, SubscribeTaskEvents request, IActorRef subscriber)
    {
        Context.Watch(subscriber);
        var self = Self;
        _ = RelayAsync(api, request, subscriber, self, _stop.Token);
        Receive<Unsubscribe>(_ => Sender.Equals(subscriber), _ => End(subscriber, "unsubscribed"));
        Receive<Unsubscribe>(_ => { });
        Receive<Ended>(e => End(subscriber, e.Reason));
        Receive<Terminated>(_ => Context.Stop(Self));
    }

    private void End(IActorRef subscriber, string reason)
    {
        _log.Info("Service subscription of {Subscriber} ended: {Reason}", subscriber.Path, reason);
        subscriber.Tell(new TaskEventsEnded(reason), Self);
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private static async Task RelayAsync(LoopbackApi api, SubscribeTaskEvents request, IActorRef subscriber, IActorRef self, CancellationToken ct)
    {
        try
        {
            using var resp = await api.OpenStreamAsync(ServiceRest.For(request), request.Token, ct);
            if ((int)resp.StatusCode != 200)
            {
                var text = await resp.Content.ReadAsStringAsync(ct);
                JsonNode? body = null;
                try
                {
                    body = JsonNode.Parse(text);
                }
                catch (System.Text.Json.JsonException)
                {
                    // the status says it
                }
                subscriber.Tell(ServiceRest.Reply(request, (int)resp.StatusCode, resp.ReasonPhrase, body), self);
                self.Tell(PoisonPill.Instance);
                return;
            }
            using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(ct));
            long? position = null;
            string? data = null;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("id:", StringComparison.Ordinal))
                    position = long.Parse(line[3..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                else if (line.StartsWith("data:", StringComparison.Ordinal)) data = line[5..].Trim();
                else if (line.StartsWith(':')) subscriber.Tell(TaskEventsKeepAlive.Instance, self);
                else if (line.Length == 0 && data is not null)
                {
                    subscriber.Tell(ServiceRest.Event(position ?? 0, JsonNode.Parse(data)!), self);
                    data = null;
                }
            }
            self.Tell(new Ended("the event stream ended"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // unsubscribed or stopped
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException or FormatException)
        {
            self.Tell(new Ended($"the event stream failed: {e.Message}"));
        }
    }
}
