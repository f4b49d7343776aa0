using System.Text;
using System.Text.Json.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Tasks;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// Writes <see cref="TaskEventFeed"/> as <c>text/event-stream</c>: <c>id:</c> the position, <c>data:</c> the change as
/// JSON; a comment every <see cref="KeepAlive"/> when nothing else is sent. Ends when the client goes (or at the timeout).
/// </summary>
public sealed class TaskEventStream(ActorSystem system, long since, Func<TaskStateChange, bool> visible, TimeSpan? timeout) : IResult
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly object Tick = new();

    public async Task ExecuteAsync(HttpContext ctx)
    {
        var res = ctx.Response;
        res.StatusCode = 200;
        res.ContentType = "text/event-stream; charset=utf-8";
        res.Headers.CacheControl = "no-cache";
        res.Headers["X-Accel-Buffering"] = "no";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        if (timeout is { } t) cts.CancelAfter(t);
        await Write(res, ": task events after " + since + "\n\n", cts.Token);
        var items = TaskEventFeed.After(system, since).Where(c => visible(c)).Select(c => (object)c)
            .KeepAlive(KeepAlive, () => Tick)
            .RunAsAsyncEnumerable(system.Materializer());
        try
        {
            await foreach (var item in items.WithCancellation(cts.Token))
                await Write(res, item is TaskStateChange c ? Event(c) : ": keep-alive\n\n", cts.Token);
        }
        catch (OperationCanceledException)
        {
            // The client went away or the timeout passed: the stream ends here.
        }
    }

    /// <summary>One event: its position as id, the change as one line of JSON.</summary>
    public static string Event(TaskStateChange c) => $"id: {c.Position}\ndata: {Json(c).ToJsonString()}\n\n";

    public static JsonObject Json(TaskStateChange c) => new()
    {
        ["upid"] = c.Upid,
        ["node"] = c.Node,
        ["type"] = c.Type,
        ["id"] = c.Id,
        ["user"] = c.User,
        ["state"] = c.State,
        ["step"] = c.Step,
        ["status"] = c.Status,
        ["at"] = c.At.ToUnixTimeSeconds(),
    };

    private static async Task Write(HttpResponse res, string text, CancellationToken ct)
    {
        await res.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await res.Body.FlushAsync(ct);
    }
}
