using ActorMigration.Actors.Metrics;
using ActorMigration.Api.Http;
using Akka.Actor;
using Prometheus;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// GET /metrics (our extension, docs/metrics.md): this member's metrics in Prometheus text format, on the API's ports and
/// authenticated like the API (<see cref="TokenAuth"/> runs on it too: 401 without a ticket or token), for a caller with
/// Sys.Audit on <c>/</c> (403 otherwise). Nothing is collected before both checks pass. Mapped at the root (Prometheus'
/// usual scrape path) and under /api2/json (the API's table and its route sweep).
/// </summary>
public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static void Map(IEndpointRouteBuilder app) => app.MapGet(Path, async (HttpContext ctx) =>
    {
        if (ctx.TryCaller() is not { } caller) return Results.StatusCode(StatusCodes.Status401Unauthorized);
        if (Access.Denied(caller, ctx.Permissions(), "/", ["Sys.Audit"]) is { } denied) return Access.Forbidden(denied);
        var registry = MemberMetrics.Get(ctx.RequestServices.GetRequiredService<ActorSystem>()).Registry;
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text, ExpositionFormat.PrometheusText, ctx.RequestAborted);
        return Results.Bytes(text.ToArray(), "text/plain; version=0.0.4; charset=utf-8");
    });
}
