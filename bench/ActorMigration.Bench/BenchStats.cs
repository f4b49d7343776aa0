namespace ActorMigration.Bench;

/// <summary>Statistics the benchmarks share.</summary>
public static class BenchStats
{
    /// <summary>The median; an even count takes the mean of the middle two.</summary>
    public static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
