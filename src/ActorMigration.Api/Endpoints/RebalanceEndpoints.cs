using System.Globalization;
using ActorMigration.Actors.Balance;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Balance;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// Our rebalancer API (design15 §4.4): the state, a dry run, apply (plan now, persist, start; optional digest of the dry
/// run's moves) and the options. Refusals are 500 with the singleton's text; bad options are 400 and change nothing.
/// </summary>
public static class RebalanceEndpoints
{
    private static readonly Need Audit = Need.Path("/", "Sys.Audit");
    private static readonly Need Modify = Need.Path("/", "Sys.Modify");
    private static readonly Need Apply = Need.Path("/", "Sys.Modify", "VM.Migrate");

    private static readonly ParamSchema Options = new(
        new ParamSpec("mode", Enum: RebalanceModes.All),
        new ParamSpec("interval", PType.Integer, Min: 10),
        new ParamSpec("threshold", PType.Number),
        new ParamSpec("target", PType.Number),
        new ParamSpec("min-gain", PType.Number),
        new ParamSpec("max-moves", PType.Integer, Min: 1, Max: 1000),
        new ParamSpec("cooldown", PType.Integer, Min: 0),
        new ParamSpec("mem-weight", PType.Number),
        new ParamSpec("cpu-weight", PType.Number),
        new ParamSpec("with-local-disks", PType.Boolean),
        new ParamSpec("mem-overcommit", PType.Number),
        new ParamSpec("sample-interval", PType.Integer, Min: 1),
        new ParamSpec("smoothing", PType.Integer, Min: 0),
        new ParamSpec("delete", MaxLength: 4096));

    private static IActorRef Singleton(HttpContext ctx) => ctx.RequestServices.GetRequiredService<ActorRegistry>().Get<RebalancerSingleton>();

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cluster/rebalance", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Audit, new ParamSchema(), async _ =>
            {
                var s = (await Singleton(ctx).Ask<RebalancerStatusReply>(new GetRebalancer(), ApiServices.AskTimeout)).State;
                var active = s.Active is { } a
                    ? new
                    {
                        plan = a.Plan.PlanId, at = a.Plan.At.ToUnixTimeSeconds(), trigger = a.Plan.Trigger, user = a.Plan.User,
                        moves = a.Plan.Moves.Select(m => new
                        {
                            seq = m.Seq, vmid = m.VmId, from = m.From, to = m.To, upid = m.Upid,
                            status = a.Ended.TryGetValue(m.Seq, out var x) ? x : "running",
                        }),
                    }
                    : null;
                var history = s.History.Select(h => new
                {
                    plan = h.PlanId, at = h.At.ToUnixTimeSeconds(), trigger = h.Trigger, status = h.Status, moves = h.Moves, failed = h.Failed,
                    h.ScoreBefore, h.ScoreAfter, ended = h.EndedAt.ToUnixTimeSeconds(),
                });
                return PveResult.Data(new Dictionary<string, object?> { ["mode"] = s.Options.Mode, ["active"] = active, ["history"] = history });
            }));

        api.MapGet("/cluster/rebalance/plan", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Audit, new ParamSchema(new ParamSpec("max-moves", PType.Integer, Min: 1, Max: 1000)), async p =>
            {
                var reply = await Singleton(ctx).Ask(new PlanRebalance(p["max-moves"] is null ? null : p.Int("max-moves")), ApiServices.AskTimeout * 2);
                return reply is RebalanceDryRun d ? PveResult.Data(Shape(d)) : PveResult.Error(((RebalanceRefused)reply).Error);
            }));

        api.MapPost("/cluster/rebalance", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Apply, new ParamSchema(new ParamSpec("digest", MaxLength: 64)), async p =>
            {
                var reply = await Singleton(ctx).Ask(new ApplyRebalance(TokenAuth.UserOf(ctx), p["digest"]), ApiServices.AskTimeout * 2);
                return reply is RebalanceApplied a ? PveResult.Data(a.Upids) : PveResult.Error(((RebalanceRefused)reply).Error);
            }));

        api.MapGet("/cluster/rebalance/options", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Audit, new ParamSchema(), async _ =>
                PveResult.Data(Keys((await Singleton(ctx).Ask<RebalancerStatusReply>(new GetRebalancer(), ApiServices.AskTimeout)).State.Options))));

        api.MapPut("/cluster/rebalance/options", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Modify, Options, async p =>
            {
                var current = (await Singleton(ctx).Ask<RebalancerStatusReply>(new GetRebalancer(), ApiServices.AskTimeout)).State.Options;
                var deleted = HaResourceEndpoints.SplitList(p["delete"]).ToHashSet(StringComparer.Ordinal);
                var unknown = deleted.FirstOrDefault(k => !Keys(RebalanceOptions.Default).ContainsKey(k));
                if (unknown is not null) return PveResult.ParamError("delete", $"unknown option '{unknown}'");
                var set = Merge(current, p, deleted);
                if (set.Validate() is { Count: > 0 } errors) return PveResult.ParamErrors(errors);
                var reply = await Singleton(ctx).Ask(new SetRebalancerOptions(set), ApiServices.AskTimeout);
                return reply is RebalanceRefused r ? PveResult.Error(r.Error) : PveResult.Data(null);
            }));
    }

    private static object Shape(RebalanceDryRun d) => new Dictionary<string, object?>
    {
        ["score-before"] = d.Plan.ScoreBefore,
        ["score-after"] = d.Plan.ScoreAfter,
        ["threshold"] = d.Threshold,
        ["target"] = d.Target,
        ["digest"] = d.Digest,
        ["stop"] = d.Plan.Stop,
        ["moves"] = d.Plan.Moves.Select(m => new { vmid = m.VmId, from = m.From, to = m.To, gain = m.Gain, reason = m.Reason }),
        ["blocked"] = d.Plan.Blocked.Select(b => new { vmid = b.VmId, node = b.Node, reason = b.Reason }),
        ["nodes"] = d.Nodes.Select(n => new { node = n.Node, mem = n.Mem, cpu = n.Cpu, maintenance = n.Maintenance ? 1 : 0 }),
    };

    private static SortedDictionary<string, object> Keys(RebalanceOptions o) => new(StringComparer.Ordinal)
    {
        ["mode"] = o.Mode, ["interval"] = o.Interval, ["threshold"] = o.Threshold, ["target"] = o.Target, ["min-gain"] = o.MinGain,
        ["max-moves"] = o.MaxMoves, ["cooldown"] = o.Cooldown, ["mem-weight"] = o.MemWeight, ["cpu-weight"] = o.CpuWeight,
        ["with-local-disks"] = o.WithLocalDisks ? 1 : 0, ["mem-overcommit"] = o.MemOvercommit, ["sample-interval"] = o.SampleInterval,
        ["smoothing"] = o.Smoothing,
    };

    /// <summary>The current options with the given keys set and the deleted ones back at their defaults.</summary>
    private static RebalanceOptions Merge(RebalanceOptions cur, PveParams p, IReadOnlySet<string> deleted)
    {
        var d = RebalanceOptions.Default;
        string? S(string k) => deleted.Contains(k) ? null : p[k];
        int I(string k, int c, int def) => deleted.Contains(k) ? def : p[k] is null ? c : p.Int(k);
        double D(string k, double c, double def) => deleted.Contains(k) ? def : p[k] is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : c;
        return new RebalanceOptions(
            deleted.Contains("mode") ? d.Mode : S("mode") ?? cur.Mode,
            I("interval", cur.Interval, d.Interval), D("threshold", cur.Threshold, d.Threshold), D("target", cur.Target, d.Target),
            D("min-gain", cur.MinGain, d.MinGain), I("max-moves", cur.MaxMoves, d.MaxMoves), I("cooldown", cur.Cooldown, d.Cooldown),
            D("mem-weight", cur.MemWeight, d.MemWeight), D("cpu-weight", cur.CpuWeight, d.CpuWeight),
            deleted.Contains("with-local-disks") ? d.WithLocalDisks : p["with-local-disks"] is null ? cur.WithLocalDisks : p.Bool("with-local-disks"),
            D("mem-overcommit", cur.MemOvercommit, d.MemOvercommit), I("sample-interval", cur.SampleInterval, d.SampleInterval),
            I("smoothing", cur.Smoothing, d.Smoothing));
    }
}
