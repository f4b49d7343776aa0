using System.Net;

namespace ActorMigration.Api.Tests.Ha;

/// <summary>/cluster/ha/rules (Proxmox 9, resource-affinity): shapes, digests, feasibility, refusals that change nothing, purge.</summary>
public sealed class HaRuleApiTests(HaApiFixture f) : IClassFixture<HaApiFixture>
{
    private const string Path = "/cluster/ha/rules";

    private async Task<(int A, int B)> TwoResources()
    {
        var a = await f.ScratchVm(("scsi0", "shared:1"));
        var b = await f.ScratchVm(("scsi0", "shared:1"));
        foreach (var vm in new[] { a, b })
            Assert.Equal(HttpStatusCode.OK, (await f.Client.Post("/cluster/ha/resources", ("sid", $"vm:{vm}"))).Status);
        return (a, b);
    }

    private async Task Remove(params int[] vms)
    {
        foreach (var vm in vms) await f.Client.Delete($"/cluster/ha/resources/vm:{vm}");
    }

    [Fact]
    public async Task A_rule_is_created_read_listed_filtered_updated_and_deleted_in_proxmox_shape()
    {
        var (a, b) = await TwoResources();
        Assert.Contains("rules", (await f.Client.Get("/cluster/ha")).Data!.AsArray().Select(x => x!["id"]!.GetValue<string>()));
        var created = await f.Client.Post(Path, ("rule", "spread"), ("type", "resource-affinity"), ("resources", $"vm:{b},{a}"),
            ("affinity", "negative"), ("comment", "web tier"));
        Assert.True(created.Status == HttpStatusCode.OK, created.ToString());
        Assert.Null(created.Data);

        var r = (await f.Client.Get($"{Path}/spread")).Data!.AsObject();
        Assert.Equal(("spread", "resource-affinity", $"vm:{a},vm:{b}", "negative", "web tier"),
            (r["rule"]!.GetValue<string>(), r["type"]!.GetValue<string>(), r["resources"]!.GetValue<string>(), r["affinity"]!.GetValue<string>(),
                r["comment"]!.GetValue<string>()));
        Assert.False(r.ContainsKey("disable"));
        Assert.False(r.ContainsKey("errors"));
        var digest = r["digest"]!.GetValue<string>();
        Assert.Equal(40, digest.Length);

        Assert.Single((await f.Client.Get(Path, ("resource", $"vm:{a}"))).Data!.AsArray());
        Assert.Single((await f.Client.Get(Path, ("resource", a.ToString()))).Data!.AsArray());
        Assert.Empty((await f.Client.Get(Path, ("resource", "vm:999"))).Data!.AsArray());
        Assert.Empty((await f.Client.Get(Path, ("type", "node-affinity"))).Data!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Put($"{Path}/spread", ("type", "resource-affinity"), ("disable", "1"),
            ("delete", "comment"), ("digest", digest))).Status);
        r = (await f.Client.Get($"{Path}/spread")).Data!.AsObject();
        Assert.Equal(1, r["disable"]!.GetValue<int>());
        Assert.False(r.ContainsKey("comment"));
        Assert.NotEqual(digest, r["digest"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post(Path, ("rule", "pair"), ("type", "resource-affinity"),
            ("resources", $"vm:{a},vm:{b}"), ("affinity", "positive"))).Status); // the negative one is disabled: no conflict
        var order = (await f.Client.Get(Path, ("resource", $"vm:{a}"))).Data!.AsArray().Select(x => x!["order"]!.GetValue<int>()).ToList();
        Assert.Equal(order[0] + 1, order[1]); // listed by order; a new rule comes last

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/spread")).Status);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/spread")).Status); // as Proxmox: no error
        Assert.Equal("no such ha rule 'spread'", (await f.Client.Get($"{Path}/spread")).Reason);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/pair")).Status);
        await Remove(a, b);
    }

    [Fact]
    public async Task Bad_input_infeasible_rules_unmanaged_resources_duplicates_and_stale_digests_are_refused_and_change_nothing()
    {
        var (a, b) = await TwoResources();
        var both = $"vm:{a},vm:{b}";
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post(Path, ("rule", "apart"), ("type", "resource-affinity"), ("resources", both),
            ("affinity", "negative"))).Status);

        async Task<PveClient.Response> Post(params (string, string)[] p) => await f.HaUnchanged(() => f.Client.Post(Path, p));
        var missing = await Post(("rule", "xy"), ("type", "resource-affinity"), ("resources", both));
        Assert.Equal("property is missing and it is not optional", missing.Errors!["affinity"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(("rule", "xy"), ("type", "node-affinity"), ("resources", both), ("affinity", "positive"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await Post(("rule", "1x"), ("type", "resource-affinity"), ("resources", both), ("affinity", "positive"))).Status);
        var badSid = await Post(("rule", "xy"), ("type", "resource-affinity"), ("resources", "vm 1"), ("affinity", "positive"));
        Assert.Equal("invalid format - value does not look like a valid ha resource id\n", badSid.Errors!["resources"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(("rule", "xy"), ("type", "resource-affinity"), ("resources", both), ("affinity", "maybe"))).Status);

        var single = await Post(("rule", "xy"), ("type", "resource-affinity"), ("resources", $"vm:{a}"), ("affinity", "positive"));
        Assert.True(single.Status == HttpStatusCode.BadRequest && single.Reason == "Rule 'xy' is invalid.", single.ToString());
        Assert.Equal("rule is ineffective as there are less than two resources", single.Errors!["resources"]!.GetValue<string>());
        var conflict = await Post(("rule", "xy"), ("type", "resource-affinity"), ("resources", both), ("affinity", "positive"));
        Assert.Equal("rule shares two or more resources with a negative resource affinity rule", conflict.Errors!["resources"]!.GetValue<string>());

        Assert.Equal("create ha rule failed: cannot use unmanaged resource(s) vm:998, vm:999.",
            (await Post(("rule", "xy"), ("type", "resource-affinity"), ("resources", $"vm:999,vm:998,vm:{a}"), ("affinity", "positive"))).Reason);
        Assert.Equal("create ha rule failed: HA rule 'apart' already defined",
            (await Post(("rule", "apart"), ("type", "resource-affinity"), ("resources", both), ("affinity", "positive"))).Reason);

        async Task<PveClient.Response> Put(string rule, params (string, string)[] p) =>
            await f.HaUnchanged(() => f.Client.Put($"{Path}/{rule}", [("type", "resource-affinity"), .. p]));
        Assert.Equal("update HA rules failed: detected modified configuration - file changed by other user? Try again.",
            (await Put("apart", ("comment", "c"), ("digest", new string('0', 40)))).Reason);
        Assert.Equal("update HA rules failed: unable to delete required option 'resources'", (await Put("apart", ("delete", "resources"))).Reason);
        Assert.Equal("update HA rules failed: HA rule 'none' does not exist", (await Put("none", ("comment", "c"))).Reason);
        Assert.Equal("Rule 'apart' is invalid.", (await Put("apart", ("resources", $"vm:{a}"))).Reason);
        Assert.Equal("property is missing and it is not optional",
            (await f.HaUnchanged(() => f.Client.Put($"{Path}/apart", ("comment", "c")))).Errors!["type"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/apart")).Status);
        await Remove(a, b);
    }

    [Fact]
    public async Task Removing_a_resource_purges_it_from_its_rules_unless_purge_is_0()
    {
        var (a, b) = await TwoResources();
        var c = await f.ScratchVm(("scsi0", "shared:1"));
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post("/cluster/ha/resources", ("sid", $"vm:{c}"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post(Path, ("rule", "trio"), ("type", "resource-affinity"),
            ("resources", $"vm:{a},vm:{b},vm:{c}"), ("affinity", "positive"))).Status);

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"/cluster/ha/resources/vm:{c}")).Status);
        Assert.Equal($"vm:{a},vm:{b}", (await f.Client.Get($"{Path}/trio")).Data!["resources"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"/cluster/ha/resources/vm:{b}", ("purge", "0"))).Status);
        var kept = (await f.Client.Get($"{Path}/trio")).Data!.AsObject();
        Assert.Equal($"vm:{a},vm:{b}", kept["resources"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"/cluster/ha/resources/vm:{a}")).Status);
        var left = (await f.Client.Get($"{Path}/trio")).Data!.AsObject();
        Assert.Equal(($"vm:{b}", "rule is ineffective as there are less than two resources"),
            (left["resources"]!.GetValue<string>(), left["errors"]!["resources"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/trio")).Status);
    }
}
