using System.Globalization;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.Snapshot;

namespace ActorMigration.Api.Endpoints;

/// <summary>/nodes/{node}/qemu/{vmid}/snapshot: list, create, read, rollback, delete (qmsnapshot, qmrollback, qmdelsnapshot).</summary>
public static class SnapshotEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/qemu/{vmid}/snapshot", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Audit"), new ParamSchema(Formats.NodeParam(), Formats.VmIdParam()), async p =>
            {
                var (facts, err) = await s.VmFactsOnNode(p["node"]!, p.Int("vmid"));
                if (err is not null) return err;
                var cfg = QmConfig.Parse(facts!.Vm.ConfigText);
                var list = cfg.Snapshots.Select(x =>
                {
                    var d = new Dictionary<string, object?> { ["name"] = x.Name, ["description"] = x.Section.Description ?? "" };
                    if (x.Section["snaptime"] is { } t && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var st))
                        d["snaptime"] = st;
                    if (x.Section["parent"] is { } par) d["parent"] = par;
                    if (x.Section["vmstate"] is not null) d["vmstate"] = 1;
                    return d;
                }).ToList();
                var current = new Dictionary<string, object?>
                {
                    ["name"] = "current", ["description"] = "You are here!", ["running"] = facts.Runtime.IsAlive ? 1 : 0
                };
                if (cfg["parent"] is { } parent) current["parent"] = parent;
                list.Add(current);
                return PveResult.Data(list);
            }));

        var snapCreate = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("snapname", Optional: false, Format: v => v == "current" ? "invalid snapshot name 'current'" : Formats.ConfigId(v)),
            new ParamSpec("description", MaxLength: 8192, MultiLine: true), new ParamSpec("vmstate", PType.Boolean));
        api.MapPost("/nodes/{node}/qemu/{vmid}/snapshot", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, Need.Vm("VM.Snapshot"), snapCreate, p =>
            Snapshot(ctx, s, p, SnapshotMachine.Create)));

        var snapName = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("snapname", Optional: false, Format: Formats.ConfigId));
        api.MapGet("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, snapName, async p =>
            {
                var (_, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                return err ?? PveResult.Data(new[] { "config", "rollback" }
                    .Select(n => new Dictionary<string, object?> { ["rel"] = n }).ToList());
            }));
        api.MapGet("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.VmAny("VM.Snapshot", "VM.Snapshot.Rollback", "VM.Audit"), snapName, async p =>
            {
                var (vm, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                if (err is not null) return err;
                return QmConfig.Parse(vm!.ConfigText).Snapshot(p["snapname"]!) is { } section
                    ? PveResult.Data(ConfigJson.From(section, null))
                    : PveResult.Error($"snapshot '{p["snapname"]}' does not exist");
            }));
        api.MapPost("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.VmAny("VM.Snapshot", "VM.Snapshot.Rollback"),
                new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("snapname", Optional: false, Format: Formats.ConfigId),
                new ParamSpec("start", PType.Boolean)), p => Snapshot(ctx, s, p, SnapshotMachine.Rollback_)));
        api.MapDelete("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Snapshot"),
                new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("snapname", Optional: false, Format: Formats.ConfigId),
                new ParamSpec("force", PType.Boolean)), p => Snapshot(ctx, s, p, SnapshotMachine.Delete)));
    }

    private static async Task<IResult> Snapshot(HttpContext ctx, ApiServices s, PveParams p, string action)
    {
        var node = p["node"]!;
        var vmid = p.Int("vmid");
        var (facts, err) = await s.OnlineVmFacts(node, vmid);
        if (err is not null) return err;
        var user = TokenAuth.UserOf(ctx);
        var request = new SnapshotRequest(action, vmid, node, p["snapname"]!, p["description"], user,
            action == SnapshotMachine.Rollback_ && p.Bool("start"), action == SnapshotMachine.Rollback_ ? FreshIdSource.NewVmGenId() : null,
            action == SnapshotMachine.Create && p.Bool("vmstate"));
        if (SnapshotMachine.Plan(request, facts!, "", DateTimeOffset.UtcNow).Error is { } refusal) return PveResult.Error(refusal);
        return await s.StartTask(s.NewUpid(node, SnapshotMachine.TaskType(action), vmid.ToString(), user), request);
    }
}
