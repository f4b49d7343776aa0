using System.Globalization;
using System.Text.Json;
using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Commands;

/// <summary>rebalance plan (dry run), rebalance apply.</summary>
public static class RebalanceCommands
{
    public static readonly CommandSpec[] Specs =
    [
        new("rebalance plan", "[--max-moves N] [--json]", "Show the rebalancer's plan (a dry run: nothing moves)", 0, 0, ["max-moves", "json"], Plan),
        new("rebalance apply", "[--digest D] [--no-wait]", "Plan and start the rebalancing migrations", 0, 0, ["digest", "no-wait"], Apply),
    ];

    private static async Task<int> Plan(CommandContext c)
    {
        var data = (await c.Api.GetAsync(Paths.RebalancePlan, new Form().Add("max-moves", c.Args.Opt("max-moves")), c.Cancel)).Data;
        if (c.JsonOutput) { c.Out.Json(data); return 0; }

        c.Out.Line($"score {F(data.Double("score-before"))} -> {F(data.Double("score-after"))} (threshold {F(data.Double("threshold"))}, "
            + $"target {F(data.Double("target"))}); digest {data.Str("digest")}");
        var table = Output.Table("VMID", "FROM", "TO", "GAIN", "REASON");
        foreach (var m in Items(data, "moves"))
            Output.Row(table, m.Str("vmid"), m.Str("from"), m.Str("to"), F(m.Double("gain")), m.Str("reason"));
        c.Out.Write(table);
        foreach (var b in Items(data, "blocked")) c.Out.Line($"VM {b.Str("vmid")} stays on node '{b.Str("node")}': {b.Str("reason")}");
        return 0;
    }

    private static async Task<int> Apply(CommandContext c)
    {
        var data = (await c.Api.PostAsync(Paths.Rebalance, new Form().Add("digest", c.Args.Opt("digest")), c.Cancel)).Data;
        var upids = data.Items().Select(Json.AsText).ToList();
        if (upids.Count == 0) c.Out.Line("nothing to move");
        if (c.Args.Has("no-wait"))
        {
            foreach (var u in upids) c.Out.Line(u);
            return 0;
        }
        var failed = 0;
        foreach (var u in upids)
        {
            var code = await c.Tasks.WaitAsync(Upid.Parse(u));
            c.Out.Line($"{u}: {(code == 0 ? "OK" : "failed")}");
            if (code != 0) failed++;
        }
        return failed == 0 ? 0 : 1;
    }

    private static IEnumerable<JsonElement> Items(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var a) ? a.Items() : [];

    private static string F(double? v) => v is { } d ? d.ToString("0.000", CultureInfo.InvariantCulture) : "";
}
