using ActorMigration.TestSupport;

namespace ActorMigration.Bench.Cluster;

/// <summary>What the cluster benchmarks share: a task that must end OK, and the median of a round's numbers.</summary>
public static class ClusterRuns
{
    public static async Task Ok(PveClient c, string upid)
    {
        var exit = await c.Wait(upid);
        if (exit != "OK") throw new InvalidOperationException($"{upid}: {exit}");
    }

    /// <summary>The median; an even count takes the mean of the middle two.</summary>
    public static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
