using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Cluster;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Balance;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Api.Endpoints;

/// <summary>The cluster configuration (options, maintenance) as the endpoints read it.</summary>
public static class ClusterConfigApi
{
    private static readonly LastSeen<ClusterConfigState> Seen = new();

    public static IActorRef Store(HttpContext ctx) => ctx.RequestServices.GetRequiredService<ActorRegistry>().Get<ClusterConfigStore>();

    /// <summary>The configuration from the store (the singleton: what was written is read back at once).</summary>
    public static Task<ClusterConfigState> Config(HttpContext ctx) => Ask(ctx, ApiServices.AskTimeout, lastSeen: false);

    /// <summary>For listings and checks: the store's configuration, or the last one this member read while the singleton moves.</summary>
    public static Task<ClusterConfigState> ConfigOrLastSeen(HttpContext ctx) => Ask(ctx, TimeSpan.FromSeconds(3), lastSeen: true);

    /// <summary>
    /// <see cref="ConfigOrLastSeen"/>, or null while the store does not answer and this member never read it: listings
    /// leave the maintenance mark out, and a migration goes on (the queue refuses such a target at grant time).
    /// </summary>
    public static async Task<ClusterConfigState?> ConfigOrNull(HttpContext ctx)
    {
        try
        {
            return await ConfigOrLastSeen(ctx);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private static Task<ClusterConfigState> Ask(HttpContext ctx, TimeSpan timeout, bool lastSeen) =>
        Seen.AskAsync<ClusterConfigReply>(Store(ctx), new GetClusterConfig(), r => r.State, timeout, lastSeen);
}
