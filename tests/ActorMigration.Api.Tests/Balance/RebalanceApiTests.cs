using System.Net;

namespace ActorMigration.Api.Tests.Balance;

/// <summary>
/// The rebalancer over the API: the dry run's shape (nothing persisted or started), a stale digest starts nothing, bad
/// options are 400s that change nothing, <c>mode=off</c> refuses plans, and a VM a user just migrated is in its cooldown.
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
        const string DigestText = "detected modified configuration - file changed by other user? Try again.";
        Assert.Equal((HttpStatusCode.InternalServerError, DigestText), (stale.Status, stale.Reason));
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

    [Fact]
    public async Task Apply_moves_only_what_may_move_its_tasks_end_ok_and_the_score_drops()
    {
        var movable = new List<int>();
        for (var i = 0; i < 4; i++) movable.Add(await f.NewVm("node1", start: true));
        var template = await f.NewVm("node1", start: false, options: ("scsi0", "local:1"));
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{template}/template"))));
        var pci = await f.NewVm("node1", start: true, root: true, options: ("hostpci0", "0000:01:00.0"));
        const string Keys = "threshold,target,min-gain,sample-interval,smoothing";
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Put(Options, ("threshold", "0.002"), ("target", "0.001"), ("min-gain", "0"),
            ("sample-interval", "1"), ("smoothing", "0"))).Status);
        try
        {
            double before = 0;
            await PveClient.Eventually(async () =>
            {
                var d = (await f.Client.Get("/cluster/rebalance/plan")).Data!;
                before = d["score-before"]!.GetValue<double>();
                return d["moves"]!.AsArray().Count > 0;
            }, TimeSpan.FromSeconds(20), "a plan with moves (usage warm)");

            // A VM a user migrated just now is in its cooldown like one the rebalancer moved: planned before, not after.
            var first = (await f.Client.Get("/cluster/rebalance/plan")).Data!["moves"]![0]!["vmid"]!.GetValue<int>();
            foreach (var (from, to) in new[] { ("node1", "node2"), ("node2", "node1") })
                Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/{from}/qemu/{first}/migrate",
                    ("target", to), ("online", "1")))));
            var after = (await f.Client.Get("/cluster/rebalance/plan")).Data!["moves"]!.AsArray();
            Assert.NotEmpty(after);
            Assert.DoesNotContain(first, after.Select(m => m!["vmid"]!.GetValue<int>()));

            var upids = (await f.Client.Post("/cluster/rebalance")).Data!.AsArray().Select(u => u!.GetValue<string>()).ToList();
            Assert.NotEmpty(upids);
            foreach (var u in upids) Assert.Equal("OK", await f.Client.Wait(u));
            var ids = upids.Select(u => int.Parse(u.Split(':')[6], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.All(ids, id => Assert.Contains(id, movable));
            Assert.DoesNotContain(template, ids);
            Assert.DoesNotContain(pci, ids);
            Assert.DoesNotContain(first, ids);
            await PveClient.Eventually(async () =>
                (await f.Client.Get("/cluster/rebalance")).Data!["active"] is null
                && (await f.Client.Get("/cluster/rebalance/plan")).Data!["score-before"]!.GetValue<double>() < before,
                TimeSpan.FromSeconds(20), "the plan ended and the score dropped");
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await f.Client.Put(Options, ("delete", Keys))).Status);
        }
    }
}
