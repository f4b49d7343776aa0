using ActorMigration.Actors.Cluster;
using Akka.Actor;

namespace ActorMigration.Api.Setup;

/// <summary>
/// A member that has just started is not yet Up in its cluster, so the nodes it hosts look offline for a moment.
/// API requests that arrive then wait (at most <see cref="MaxWait"/>) until every hosted node is online, instead of
/// being refused with "seems to be offline"; afterwards nothing waits.
/// </summary>
public sealed class MemberReadiness(ActorSystem system, ClusterTopology topology)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(15);
    private volatile bool _ready;

    private bool Ready => _ready = _ready || topology.HostedNodes.All(n => NodeMembership.IsOnline(system, n));

    public async Task WaitAsync(CancellationToken ct)
    {
        var until = DateTime.UtcNow + MaxWait;
        while (!Ready && DateTime.UtcNow < until) await Task.Delay(20, ct);
    }

    public static RequestDelegate Gate(RequestDelegate next) => async ctx =>
    {
        await ctx.RequestServices.GetRequiredService<MemberReadiness>().WaitAsync(ctx.RequestAborted);
        await next(ctx);
    };
}
