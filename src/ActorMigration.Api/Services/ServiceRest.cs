using System.Globalization;
using System.Text.Json.Nodes;
using ActorMigration.Contracts;

namespace ActorMigration.Api.Services;

/// <summary>One REST request a contract message stands for: method, path under /api2/json, form or query parameters.</summary>
public sealed record RestCall(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Parameters);

/// <summary>
/// The contract messages as the REST requests they stand for, and REST answers as contract replies: the REST API stays
/// the one home of every rule (privileges, parameters, pre-checks, idempotency); the gateway only translates.
/// </summary>
public static class ServiceRest
{
    public static RestCall For(IServiceMessage message) => message switch
    {
        SubmitMigrate m => Post(m, "migrate", P("target", m.Target), P("online", Bit(m.Online)),
            m.WithLocalDisks ? P("with-local-disks", "1") : null, Opt("targetstorage", m.TargetStorage),
            Opt("bwlimit", m.BwLimitKiB?.ToString(CultureInfo.InvariantCulture))),
        SubmitClone m => Post(m, "clone", P("newid", m.NewId.ToString(CultureInfo.InvariantCulture)), Opt("name", m.Name),
            m.Full is { } full ? P("full", Bit(full)) : null, Opt("target", m.Target), Opt("storage", m.Storage)),
        SubmitCreate m => new RestCall("POST", $"/nodes/{Seg(m.Node)}/qemu",
            [P("vmid", m.VmId.ToString(CultureInfo.InvariantCulture)), .. m.Options.Where(o => o.Key != "vmid").OrderBy(o => o.Key, StringComparer.Ordinal)]),
        SubmitStart m => Post(m, "status/start"),
        SubmitStop m => Post(m, "status/stop"),
        QueryTask q => new RestCall("GET", $"/nodes/{Seg(NodeOf(q.Upid))}/tasks/{Seg(q.Upid)}/status", []),
        SubscribeTaskEvents s => new RestCall("GET", "/cluster/tasks/events", [.. new[]
        {
            Opt("since", s.Since?.ToString(CultureInfo.InvariantCulture)), Opt("upid", s.Upid), Opt("node", s.Node), Opt("type", s.Type),
        }.OfType<KeyValuePair<string, string>>()]),
        _ => throw new ArgumentException($"{message.GetType().Name} is not a request", nameof(message)),
    };

    /// <summary>The token a request carries (Proxmox's <c>user@realm!tokenid=secret</c>); null for replies.</summary>
    public static string? TokenOf(IServiceMessage message) => message switch
    {
        SubmitTask t => t.Token,
        QueryTask q => q.Token,
        SubscribeTaskEvents s => s.Token,
        _ => null,
    };

    /// <summary>
    /// The reply to a REST answer: a UPID → <see cref="TaskAccepted"/>, a task status → <see cref="TaskReport"/>,
    /// anything but 200 → <see cref="Refused"/> with Proxmox's message and per-parameter errors.
    /// </summary>
    public static IServiceMessage Reply(IServiceMessage request, int status, string? reason, JsonNode? body)
    {
        if (status != 200)
        {
            var errors = body?["errors"] is JsonObject e
                ? e.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "")
                : null;
            var message = (body?["message"]?.GetValue<string>() ?? reason ?? "").TrimEnd('\n');
            return new Refused(status, message.Length > 0 ? message : $"HTTP {status}", errors);
        }
        var data = body?["data"];
        return request switch
        {
            QueryTask q => new TaskReport(q.Upid, Str(data, "status") ?? "unknown", Str(data, "exitstatus"),
                Str(data, "type") ?? "", Str(data, "node") ?? "", Str(data, "user") ?? ""),
            _ when data is JsonValue v && v.TryGetValue<string>(out var upid) && upid.StartsWith("UPID:", StringComparison.Ordinal) =>
                new TaskAccepted(upid),
            _ => new Refused(500, "the request answered no task"),
        };
    }

    /// <summary>An SSE <c>data:</c> line's event (docs/services.md) at stream position <paramref name="position"/>.</summary>
    public static TaskEvent Event(long position, JsonNode data) => new(position, Str(data, "upid") ?? "", Str(data, "node") ?? "",
        Str(data, "type") ?? "", Str(data, "id"), Str(data, "user") ?? "", Str(data, "state") ?? "", Str(data, "step"),
        Str(data, "status"), data["at"]?.GetValue<long>() ?? 0);

    private static RestCall Post(SubmitTask t, string action, params KeyValuePair<string, string>?[] ps) =>
        new("POST", $"/nodes/{Seg(t.Node)}/qemu/{t.VmId.ToString(CultureInfo.InvariantCulture)}/{action}", [.. ps.OfType<KeyValuePair<string, string>>()]);

    private static KeyValuePair<string, string> P(string k, string v) => new(k, v);

    private static KeyValuePair<string, string>? Opt(string k, string? v) => v is null ? null : new(k, v);

    private static string Bit(bool b) => b ? "1" : "0";

    private static string Seg(string s) => Uri.EscapeDataString(s);

    /// <summary>A UPID's node (its second field); the REST API refuses a malformed UPID with its own message.</summary>
    private static string NodeOf(string upid) => upid.Split(':') is [_, var node, ..] && node.Length > 0 ? node : "localhost";

    private static string? Str(JsonNode? n, string key) => n?[key] is JsonValue v
        ? (v.TryGetValue<string>(out var s) ? s : v.ToJsonString())
        : null;
}
