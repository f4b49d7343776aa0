using System.Net;
using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Services;

/// <summary><c>GET /cluster/tasks/events</c> (our extension): task state changes as Server-Sent Events, resumable.</summary>
public sealed class TaskEventsApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private sealed record Sse(long Id, JsonObject Data);

    /// <summary>Reads events until <paramref name="done"/> says so (or the stream ends), then drops the connection.</summary>
    private async Task<List<Sse>> Read(string query, string? lastEventId, Func<List<Sse>, bool> done, HttpClient? http = null,
        string? auth = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api2/json/cluster/tasks/events?" + query);
        if (http is null) req.Headers.TryAddWithoutValidation("Authorization", auth ?? $"PVEAPIToken={f.Server.Token}");
        if (lastEventId is not null) req.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var resp = await (http ?? C.Http).SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("text/event-stream", resp.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<Sse>();
        string? id = null, data = null;
        while (!done(events) && await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.Length == 0 && data is not null)
            {
                events.Add(new Sse(long.Parse(id!), JsonNode.Parse(data)!.AsObject()));
                (id, data) = (null, null);
            }
        }
        return events;
    }

    private static bool Stopped(List<Sse> events) => events.Count > 0 && events[^1].Data["state"]!.GetValue<string>() == "stopped";

    private async Task<string> Migration()
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"), ("scsi0", "local:1")))));
        return await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
    }

    [Fact]
    public async Task A_client_sees_every_state_change_of_a_migration_in_order_and_misses_none_after_a_reconnect()
    {
        var upid = await Migration();
        var query = "upid=" + Uri.EscapeDataString(upid);

        var first = await Read(query, null, e => e.Count == 3);
        var rest = await Read(query, first[^1].Id.ToString(), Stopped);
        var seen = first.Concat(rest).ToList();

        var ids = seen.Select(e => e.Id).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var states = seen.Select(e => e.Data["state"]!.GetValue<string>()).ToList();
        Assert.Equal("started", states[0]);
        Assert.Equal("accepted", states[1]);
        Assert.Contains("step", states);
        Assert.Equal("stopped", states[^1]);
        Assert.Equal("OK", seen[^1].Data["status"]!.GetValue<string>());
        Assert.All(seen, e => Assert.Equal(upid, e.Data["upid"]!.GetValue<string>()));

        // The whole history read in one go is exactly what the two connections saw; ?since= resumes as the header does.
        var whole = await Read(query, null, Stopped);
        Assert.Equal(ids, whole.Select(e => e.Id));
        var since = await Read(query + "&since=" + ids[2], null, Stopped);
        Assert.Equal(ids.Skip(3), since.Select(e => e.Id));
    }

    [Fact]
    [Compat.Shapes.Covers("GET /cluster/tasks/events")] // text/event-stream; each event's data checked here
    public async Task An_event_has_the_documented_shape()
    {
        var upid = await Migration();
        var e = (await Read("upid=" + Uri.EscapeDataString(upid), null, Stopped)).First(x => x.Data["state"]!.GetValue<string>() == "step");
        Assert.Equal(["upid", "node", "type", "id", "user", "state", "step", "status", "at"], e.Data.Select(kv => kv.Key));
        Assert.Equal("node1", e.Data["node"]!.GetValue<string>());
        Assert.Equal("qmigrate", e.Data["type"]!.GetValue<string>());
        Assert.Equal("root@pam!admin", e.Data["user"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(e.Data["step"]!.GetValue<string>()));
        Assert.Null(e.Data["status"]);
        Assert.InRange(e.Data["at"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public async Task Another_users_tasks_are_not_shown_without_Sys_Audit_and_filters_apply()
    {
        var upid = await Migration();
        Assert.Equal("OK", await C.Wait(upid));
        var eve = await f.Server.UserSession("eve@pve");
        Assert.Empty(await Read("timeout=2&upid=" + Uri.EscapeDataString(upid), null, _ => false, eve.Http));
        var auditor = await f.Server.UserSession("auditor@pve", ("/nodes/node1", "PVEAuditor"));
        Assert.True(Stopped(await Read("upid=" + Uri.EscapeDataString(upid), null, Stopped, auditor.Http)));
        Assert.Empty(await Read("timeout=2&type=qmclone&upid=" + Uri.EscapeDataString(upid), null, _ => false));
        Assert.Empty(await Read("timeout=2&node=node2&upid=" + Uri.EscapeDataString(upid), null, _ => false));
    }

    [Theory]
    [InlineData("since=-1", null, "since")]
    [InlineData("since=abc", null, "since")]
    [InlineData("node=no_such!", null, "node")]
    [InlineData("", "12x", "Last-Event-ID")]
    [InlineData("", "-5", "Last-Event-ID")]
    public async Task Bad_positions_and_filters_are_400(string query, string? lastEventId, string param)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api2/json/cluster/tasks/events?" + query);
        req.Headers.TryAddWithoutValidation("Authorization", $"PVEAPIToken={f.Server.Token}");
        if (lastEventId is not null) req.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        using var resp = await C.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.NotNull(JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["errors"]![param]);
    }
}
