using ActorMigration.TestSupport;

namespace ActorMigration.Bench.Cluster;

/// <summary>What the cluster benchmarks share: a task that must end OK.</summary>
public static class ClusterRuns
{
    public static async Task Ok(PveClient c, string upid)
    {
        var exit = await c.Wait(upid);
        if (exit != "OK") throw new InvalidOperationException($"{upid}: {exit}");
    }
}
