using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Migration.Convergence;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>The engine's convergence controller, rule by rule (pure: state, sample and settings in, decision out).</summary>
public class ConvergenceControllerTests
{
    private const long MiB = 1024 * 1024;
    private const double Bandwidth = 100 * MiB;
    private static readonly ConvergenceController C = ConvergenceController.Instance;

    // 1 GiB RAM: completion timeout 150 s, progress timeout 150 s; migrate_downtime 100 ms, max-downtime 1000 ms.
    private static ConvergenceSettings Settings(bool postCopy = false) => new(100, 1000, postCopy, 1024 * MiB);

    private static ConvergenceSample Sample(double t, long iteration, double ratio, long remaining = 512 * MiB, int throttle = 0) =>
        new(t, 1024 * MiB, 0, remaining, Bandwidth, ratio * Bandwidth, iteration, throttle, null);

    private static ConvergenceState Started(bool postCopy = false) => C.Start(Settings(postCopy));

    [Fact]
    public void Starts_at_migrate_downtime_with_auto_converge_and_qemus_first_throttle_step()
    {
        var st = Started();
        Assert.Equal(new MigrationTuning(100, 20), st.Tuning);
        Assert.True(st.AutoConverge);
    }

    [Fact]
    public void No_action_in_the_first_pass_nor_twice_in_one_iteration()
    {
        var st = Started();
        Assert.Null(C.Decide(st, Sample(5, 1, 3.0), Settings()).Action);

        var first = C.Decide(st, Sample(11, 2, 3.0), Settings());
        Assert.NotNull(first.Action);
        Assert.Null(C.Decide(first.State, Sample(11.5, 2, 3.0), Settings()).Action);
    }

    [Fact]
    public void No_action_while_converging_at_a_moderate_ratio()
    {
        // ratio 0.8: converges in time, too slowly to lower the limit cheaply
        var d = C.Decide(Started(), Sample(11, 2, 0.8), Settings());
        Assert.Null(d.Action);
        Assert.Equal(2, d.State.Iteration);
    }

    [Fact]
    public void Fast_convergence_lowers_the_limit_once_to_a_quarter_of_migrate_downtime()
    {
        // not on the rate read after pass 1 (a small working set reads slow there)
        var second = C.Decide(Started(), Sample(9, 2, 0.3), Settings());
        Assert.Null(second.Action);
        var d = C.Decide(second.State, Sample(11, 3, 0.3), Settings());
        var tune = Assert.IsType<TuneAction>(d.Action);
        Assert.Equal(25, tune.Tuning.DowntimeLimitMs);
        Assert.Equal(20, tune.Tuning.ThrottleCeilingPct);
        Assert.Contains("ratio 0.30", tune.Reason);
        Assert.Contains("lowered to 25 ms", tune.Reason);
        Assert.Contains("migrate_downtime 100 ms", tune.Reason);

        // once: the next iterations leave it there while it converges
        Assert.Null(C.Decide(d.State, Sample(14, 4, 0.3, 100 * MiB), Settings()).Action);
    }

    [Fact]
    public void Stalled_passes_raise_the_throttle_first_to_what_halves_the_ratio()
    {
        // unthrottled guest at 1.5 × the bandwidth: 1 − 0.5 / 1.5 = 67 % → 70 %
        var d = C.Decide(Started(), Sample(11, 2, 1.5), Settings());
        var tune = Assert.IsType<TuneAction>(d.Action);
        Assert.Equal(new MigrationTuning(100, 70), tune.Tuning);
        Assert.Contains("throttle up to 70%", tune.Reason);
        Assert.Contains("ratio 1.50", tune.Reason);
        Assert.Equal(11, d.State.LastActionSec);
    }

    [Fact]
    public void After_an_action_the_next_waits_the_settle_time()
    {
        var d = C.Decide(Started(), Sample(11, 2, 1.5), Settings());
        var soon = C.Decide(d.State, Sample(11 + ConvergenceController.SettleSec - 0.5, 3, 1.5, throttle: 70), Settings());
        Assert.Null(soon.Action);
        var later = C.Decide(soon.State, Sample(11 + ConvergenceController.SettleSec + 1, 4, 1.5, throttle: 70), Settings());
        Assert.IsType<TuneAction>(later.Action);
    }

    [Fact]
    public void Then_the_downtime_limit_in_steps_up_to_max_downtime_then_post_copy_where_allowed()
    {
        foreach (var postCopy in new[] { false, true })
        {
            var st = Started(postCopy) with { Tuning = new MigrationTuning(100, ConvergenceController.MaxThrottlePct) };
            var actions = new List<ConvergenceAction>();
            for (var i = 0; i < 20; i++)
            {
                var d = C.Decide(st, Sample(10 + (i * 3), 2 + i, 1.0, 512 * MiB - (i * MiB), 99), Settings(postCopy));
                st = d.State;
                if (d.Action is { } a) actions.Add(a);
            }
            var limits = actions.OfType<TuneAction>().Select(t => t.Tuning.DowntimeLimitMs).ToList();
            Assert.NotEmpty(limits);
            Assert.Equal(limits.Order(), limits);
            Assert.All(limits, l => Assert.InRange(l, 101, 1000));
            Assert.Equal(1000, limits[^1]);
            Assert.All(actions.OfType<TuneAction>(), t => Assert.Contains("max-downtime 1000 ms", t.Reason));
            if (postCopy)
            {
                Assert.IsType<PostcopyAction>(actions[^1]);
                Assert.Contains("post-copy", actions[^1].Reason);
            }
            else Assert.IsType<TuneAction>(actions[^1]);
        }
    }

    [Fact]
    public void A_lowered_limit_goes_back_to_migrate_downtime_before_anything_else()
    {
        var st = Started() with { Tuning = new MigrationTuning(25, 20) };
        var tune = Assert.IsType<TuneAction>(C.Decide(st, Sample(20, 3, 1.5), Settings()).Action);
        Assert.Equal(new MigrationTuning(100, 20), tune.Tuning);
        Assert.Contains("back to migrate_downtime 100 ms", tune.Reason);
    }

    [Fact]
    public void Never_above_max_downtime_whatever_the_samples()
    {
        var rnd = new Random(16);
        foreach (var postCopy in new[] { false, true })
        {
            var st = Started(postCopy);
            for (var i = 0; i < 500; i++)
            {
                var d = C.Decide(st, Sample(i * 0.5, 1 + (i / 3), rnd.NextDouble() * 4, rnd.NextInt64(1, 1024 * MiB), rnd.Next(0, 100)), Settings(postCopy));
                st = d.State;
                if (d.Action is TuneAction t) Assert.InRange(t.Tuning.DowntimeLimitMs, ConvergenceController.MinDowntimeLimitMs, 1000);
                if (d.Action is AbortAction) break;
            }
            Assert.InRange(st.Tuning.DowntimeLimitMs, ConvergenceController.MinDowntimeLimitMs, 1000);
        }
    }

    [Fact]
    public void Completion_timeout_switches_to_post_copy_where_allowed_else_aborts()
    {
        var late = Sample(151, 40, 1.0, 300 * MiB, 99);
        var pc = C.Decide(Started(postCopy: true), late, Settings(postCopy: true));
        Assert.IsType<PostcopyAction>(pc.Action);
        Assert.True(pc.State.PostCopyStarted);
        Assert.Contains("completion timeout 150 s", pc.Action!.Reason);

        var abort = Assert.IsType<AbortAction>(C.Decide(Started(), late, Settings()).Action);
        Assert.Contains("completion timeout 150 s", abort.Reason);
        Assert.Contains("remaining 300", abort.Reason);
        Assert.Contains("downtime limit 100 ms", abort.Reason);
    }

    [Fact]
    public void Progress_timeout_aborts_with_the_watermark()
    {
        var st = C.Decide(Started(), Sample(1, 1, 1.0, 200 * MiB), Settings()).State;
        Assert.Null(C.Decide(st, Sample(150, 1, 1.0, 300 * MiB), Settings()).Action);
        var abort = Assert.IsType<AbortAction>(C.Decide(st, Sample(151.5, 1, 1.0, 300 * MiB), Settings()).Action);
        Assert.Contains("no progress for 150.5 s", abort.Reason);
        Assert.Contains("progress timeout 150 s", abort.Reason);
        Assert.Contains("lowest 200", abort.Reason);
    }

    [Fact]
    public void Nothing_more_once_post_copy_runs()
    {
        var s = Sample(200, 40, 3.0) with { PostCopyActive = true };
        var d = C.Decide(Started(postCopy: true), s, Settings(postCopy: true));
        Assert.Null(d.Action);
        Assert.True(d.State.PostCopyStarted);
    }

    [Fact]
    public void Force_complete_is_post_copy_where_allowed_else_max_downtime()
    {
        var pc = ConvergenceController.ForceComplete(Started(postCopy: true), Settings(postCopy: true), 30);
        Assert.IsType<PostcopyAction>(pc.Action);
        Assert.Null(ConvergenceController.ForceComplete(pc.State, Settings(postCopy: true), 31).Action);

        var tune = Assert.IsType<TuneAction>(ConvergenceController.ForceComplete(Started(), Settings(), 30).Action);
        Assert.Equal(new MigrationTuning(1000, 20), tune.Tuning);
        Assert.Contains("max-downtime 1000 ms", tune.Reason);
    }
}
