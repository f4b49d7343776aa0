using System.Net;

namespace ActorMigration.Api.Tests.Balance;

/// <summary>
/// The rebalancer over the API: the dry run's shape (nothing persisted or started), a stale digest starts nothing, bad
/// options are 400s that change nothing, and <c>mode=off</c> refuses plans.
/// </summary>
public sealed class RebalanceApiTests(BulkApiFixture f) : IClassFixture<BulkApiFixture>
{
    private const string Options = "/cluster/rebalance/options";

    [Fact]
    public async Task The_dry_run_has_its_shape_and_starts_nothing_and_a_stale_digest_starts_nothing()
    {
        var dry = await f.Client.Get("/cluster/rebalance/plan", ("max-moves", "3"));
        Assert.Equal(HttpStatusCode.OK, dry.Status);
        foreach (var key in new[] { "score-before", "score-after", "threshold", "target", "digest", "moves", "blocked", "nodes" })
            Assert.True(dry.Data![key] is not null, $"{key} missing: {dry.Body}");
        Assert.Equal(3, dry.Data!["nodes"]!.AsArray().Count);
        Assert.Null((await f.Client.Get("/cluster/rebalance")).Data!["active"]);

        var stale = await f.Client.Post("/cluster/rebalance", ("digest", "0000000000000000000000000000000000000000"));
        Assert.Equal((HttpStatusCode.InternalServerError, "detected modified configuration - file changed by other user? Try again."), (stale.Status, stale.Reason));
        var state = (await f.Client.Get("/cluster/rebalance")).Data!;
        Assert.Null(state["active"]);
        Assert.Empty(state["history"]!.AsArray());
    }

    [Fact]
    public async Task Bad_options_are_400s_that_change_nothing_and_mode_off_refuses_plans()
    {
        var before = (await f.Client.Get(Options)).Data!.ToJsonString();
        var target = await f.Client.Put(Options, ("target", "0.5"));
        Assert.Equal(HttpStatusCode.BadRequest, target.Status);
        Assert.Equal("must be lower than threshold (0.1)", target.Errors!["target"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await f.Client.Put(Options, ("mode", "sometimes"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.Client.Put(Options, ("max-moves", "0"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.Client.Put(Options, ("mem-weight", "0"), ("cpu-weight", "0"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.Client.Put(Options, ("delete", "colour"))).Status);
        Assert.Equal(before, (await f.Client.Get(Options)).Data!.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Put(Options, ("mode", "off"))).Status);
        try
        {
            Assert.Equal("off", (await f.Client.Get(Options)).Data!["mode"]!.GetValue<string>());
            var plan = await f.Client.Get("/cluster/rebalance/plan");
            Assert.Equal((HttpStatusCode.InternalServerError, "rebalancer is off (mode=off)"), (plan.Status, plan.Reason));
            var apply = await f.Client.Post("/cluster/rebalance");
            Assert.Equal((HttpStatusCode.InternalServerError, "rebalancer is off (mode=off)"), (apply.Status, apply.Reason));
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await f.Client.Put(Options, ("delete", "mode"))).Status);
        }
        Assert.Equal("manual", (await f.Client.Get(Options)).Data!["mode"]!.GetValue<string>());
    }
}
