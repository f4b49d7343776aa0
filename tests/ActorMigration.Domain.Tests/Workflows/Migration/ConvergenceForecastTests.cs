using ActorMigration.Domain.Workflows.Migration.Convergence;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

public class ConvergenceForecastTests
{
    private const double MiB = 1024 * 1024;

    [Fact]
    public void Geometric_passes_until_one_fits_the_downtime_limit()
    {
        // ratio 0.5, threshold 100 MiB/s × 100 ms = 10 MiB: 1024 → 512 → … → 8 MiB after 7 passes
        var f = ConvergenceForecast.Of(100 * MiB, 50 * MiB, 1024 * MiB, 100);
        Assert.True(f.Converges);
        Assert.Equal(0.5, f.Ratio, 9);
        Assert.Equal(10 * MiB, f.ThresholdBytes, 3);
        Assert.Equal(512 * MiB, f.NextPassBytes, 3);
        Assert.Equal(10.24 * 2 * (1 - (1 / 128.0)), f.SecondsToConverge, 6);
    }

    [Fact]
    public void A_next_pass_within_the_threshold_converges_after_this_pass()
    {
        var f = ConvergenceForecast.Of(100 * MiB, 5 * MiB, 100 * MiB, 100);
        Assert.True(f.Converges);
        Assert.Equal(1, f.SecondsToConverge, 9);
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void Passes_that_do_not_shrink_enough_never_converge(double ratio)
    {
        var f = ConvergenceForecast.Of(100 * MiB, ratio * 100 * MiB, 512 * MiB, 100);
        Assert.False(f.Converges);
        Assert.Equal(Math.Min(1, ratio) * 512 * MiB, f.NextPassBytes, 3);
    }

    [Fact]
    public void No_bandwidth_means_no_forecast()
    {
        Assert.False(ConvergenceForecast.Of(0, 10 * MiB, 512 * MiB, 100).Converges);
    }

    [Fact]
    public void Next_pass_downtime_is_its_bytes_at_the_bandwidth()
    {
        var f = ConvergenceForecast.Of(100 * MiB, 95 * MiB, 100 * MiB, 100);
        Assert.Equal(950, f.NextPassDowntimeMs(100 * MiB), 6);
    }

    [Fact]
    public void A_lower_limit_needs_more_passes()
    {
        var at100 = ConvergenceForecast.Of(100 * MiB, 50 * MiB, 1024 * MiB, 100);
        var at25 = ConvergenceForecast.Of(100 * MiB, 50 * MiB, 1024 * MiB, 25);
        Assert.True(at25.SecondsToConverge > at100.SecondsToConverge);
        // two more passes of at most 10 MiB: under 0.2 s
        Assert.True(at25.SecondsToConverge - at100.SecondsToConverge < 0.2);
    }
}
