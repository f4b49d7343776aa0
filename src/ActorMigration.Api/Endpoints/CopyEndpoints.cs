using System.Globalization;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.Backup;
using ActorMigration.Domain.Workflows.Clone;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Domain.Workflows.Template;

namespace ActorMigration.Api.Endpoints;

/// <summary>Clones, templates, snapshots and backups: /clone, /template, /snapshot, /vzdump.</summary>
public static class CopyEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var clone = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), Formats.VmIdParam("newid"),
            new ParamSpec("name", Format: Formats.DnsName, MaxLength: 128), new ParamSpec("description", MaxLength: 8192, MultiLine: true),
            new ParamSpec("full", PType.Boolean), Formats.NodeParam("target", optional: true),
            new ParamSpec("storage", Format: Formats.StorageId), new ParamSpec("format", Enum: ["raw", "qcow2", "vmdk"]),
            new ParamSpec("snapname", Format: Formats.ConfigId), new ParamSpec("pool"), new ParamSpec("bwlimit", PType.Integer, Min: 0));
        api.MapPost("/nodes/{node}/qemu/{vmid}/clone", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, clone, p => Clone(ctx, s, p)));

        var template = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("disk", Pattern: @"(ide\d|sata\d|scsi\d+|virtio\d+|efidisk0|tpmstate0)"));
        api.MapPost("/nodes/{node}/qemu/{vmid}/template", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, template, p => Template(ctx, s, p)));

        api.MapGet("/nodes/{node}/qemu/{vmid}/snapshot", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, new ParamSchema(Formats.NodeParam(), Formats.VmIdParam()), async p =>
            {
                var (vm, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                if (err is not null) return err;
                var cfg = QmConfig.Parse(vm!.ConfigText);
                var list = cfg.Snapshots.Select(x =>
                {
                    var d = new Dictionary<string, object?> { ["name"] = x.Name, ["description"] = x.Section.Description ?? "" };
                    if (x.Section["snaptime"] is { } t && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var st))
                        d["snaptime"] = st;
                    if (x.Section["parent"] is { } par) d["parent"] = par;
                    return d;
                }).ToList();
                var current = new Dictionary<string, object?> { ["name"] = "current", ["description"] = "You are here!", ["running"] = 0 };
                if (cfg["parent"] is { } parent) current["parent"] = parent;
                list.Add(current);
                return PveResult.Data(list);
            }));

        var snapCreate = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("snapname", Optional: false, Format: v => v == "current" ? "invalid snapshot name 'current'" : Formats.ConfigId(v)),
            new ParamSpec("description", MaxLength: 8192, MultiLine: true), new ParamSpec("vmstate", PType.Boolean));
        api.MapPost("/nodes/{node}/qemu/{vmid}/snapshot", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, snapCreate, p =>
            p.Bool("vmstate")
                ? Task.FromResult(PveResult.ParamError("vmstate", "saving the RAM state is not supported; snapshots need a stopped VM"))
                : Snapshot(ctx, s, p, SnapshotMachine.Create)));

        var snapName = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("snapname", Optional: false, Format: Formats.ConfigId));
        api.MapGet("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, snapName, async p =>
            {
                var (_, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                return err ?? PveResult.Data(new[] { "config", "rollback" }
                    .Select(n => new Dictionary<string, object?> { ["rel"] = n }).ToList());
            }));
        api.MapGet("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, snapName, async p =>
            {
                var (vm, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                if (err is not null) return err;
                return QmConfig.Parse(vm!.ConfigText).Snapshot(p["snapname"]!) is { } section
                    ? PveResult.Data(ConfigJson.From(section, null))
                    : PveResult.Error($"snapshot '{p["snapname"]}' does not exist");
            }));
        api.MapPost("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("snapname", Optional: false, Format: Formats.ConfigId),
                new ParamSpec("start", PType.Boolean)), p => Snapshot(ctx, s, p, SnapshotMachine.Rollback_)));
        api.MapDelete("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("snapname", Optional: false, Format: Formats.ConfigId),
                new ParamSpec("force", PType.Boolean)), p => Snapshot(ctx, s, p, SnapshotMachine.Delete)));

        var vzdump = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("storage", Optional: false, Format: Formats.StorageId),
            new ParamSpec("mode", Enum: ["snapshot", "suspend", "stop"]), new ParamSpec("compress", Enum: ["0", "gzip", "lzo", "zstd"]),
            new ParamSpec("remove", PType.Boolean), new ParamSpec("notes-template", MaxLength: 1024));
        api.MapPost("/nodes/{node}/vzdump", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, vzdump, p => Backup(ctx, s, p)));
    }

    private static async Task<IResult> Clone(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        var target = p["target"] ?? node;
        if (!s.Topology.ClusterNodes.Contains(target)) return PveResult.Error($"no such cluster node '{target}'");
        if (!s.IsOnline(target)) return PveResult.Error(MigrationChecks.TargetOffline(target));
        var vmid = p.Int("vmid");
        var newid = p.Int("newid");
        var (vm, err) = await s.VmOnNode(node, vmid);
        if (err is not null) return err;
        var cfg = QmConfig.Parse(vm!.ConfigText);
        var full = p["full"] is null ? !cfg.IsTemplate : p.Bool("full");
        if ((await s.Vm(newid)).Exists) return PveResult.Error($"unable to create VM {newid}: config file already exists");
        var user = TokenAuth.UserOf(ctx);
        var request = new CloneRequest(vmid, node, newid, target, p["name"], p["description"], full, p["storage"], p["format"],
            p["snapname"], p.Long("bwlimit"), user, s.Options.MacPrefix, s.Options.PollIntervalMs);
        // The same checks the workflow makes, now, so a refusal changes nothing.
        if (CloneMachine.Check(request, vm, s.Topology.Storage, null) is { } refusal) return PveResult.Error(refusal);
        return await s.StartTask(s.NewUpid(node, "qmclone", vmid.ToString(), user), request);
    }

    private static async Task<IResult> Template(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        var vmid = p.Int("vmid");
        var (facts, err) = await s.VmFactsOnNode(node, vmid);
        if (err is not null) return err;
        var user = TokenAuth.UserOf(ctx);
        var request = new TemplateRequest(vmid, node, p["disk"], user);
        if (TemplateMachine.Check(facts!, request, null) is { } refusal) return PveResult.Error(refusal);
        return await s.StartTask(s.NewUpid(node, "qmtemplate", vmid.ToString(), user), request);
    }

    private static async Task<IResult> Snapshot(HttpContext ctx, ApiServices s, PveParams p, string action)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        var vmid = p.Int("vmid");
        var (facts, err) = await s.VmFactsOnNode(node, vmid);
        if (err is not null) return err;
        var user = TokenAuth.UserOf(ctx);
        var request = new SnapshotRequest(action, vmid, node, p["snapname"]!, p["description"], user,
            action == SnapshotMachine.Rollback_ && p.Bool("start"));
        var (_, _, refusal) = SnapshotMachine.Plan(request, facts!, "", DateTimeOffset.UtcNow, Guid.NewGuid);
        if (refusal is not null) return PveResult.Error(refusal);
        return await s.StartTask(s.NewUpid(node, SnapshotMachine.TaskType(action), vmid.ToString(), user), request);
    }

    private static async Task<IResult> Backup(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        if (p["compress"] is { } c && c != "0")
            return PveResult.ParamError("compress", "only uncompressed archives are supported (compress=0)");
        var storage = p["storage"]!;
        if (s.Topology.Storage.Get(storage) is not { } def) return PveResult.Error($"storage '{storage}' does not exist");
        if (!def.AvailableOn(node)) return PveResult.Error($"storage '{storage}' is not available on node '{node}'");
        if (!def.HasContent("backup")) return PveResult.Error($"storage '{storage}' does not support backups");
        var vmid = p.Int("vmid");
        var (vm, err) = await s.VmOnNode(node, vmid);
        if (err is not null) return err;
        if (vm!.Lock is { } l) return PveResult.Error($"VM is locked ({l})");
        var rt = await s.Runtime(node, vmid);
        if (rt?.IsAlive == true) return PveResult.Error($"VM {vmid} is running - only stopped VMs can be backed up here");
        var user = TokenAuth.UserOf(ctx);
        var archive = $"{storage}:backup/vzdump-qemu-{vmid}-{DateTime.Now:yyyy_MM_dd-HH_mm_ss}.tar";
        return await s.StartTask(s.NewUpid(node, "vzdump", vmid.ToString(), user), new BackupRequest(vmid, node, storage, archive, user));
    }
}
