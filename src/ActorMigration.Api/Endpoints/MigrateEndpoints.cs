using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Workflows;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>GET (precondition) and POST (start) of /nodes/{node}/qemu/{vmid}/migrate.</summary>
public static class MigrateEndpoints
{
    private const string MaxDowntimeKey = "max-downtime";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/qemu/{vmid}/migrate", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Migrate"), new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), Formats.NodeParam("target", optional: true)),
                p => Precondition(s, p)));

        var post = new ParamSchema(
            Formats.NodeParam(), Formats.VmIdParam(), Formats.NodeParam("target"),
            new ParamSpec("online", PType.Boolean), new ParamSpec("with-local-disks", PType.Boolean),
            new ParamSpec("targetstorage", MaxLength: 1024), new ParamSpec("bwlimit", PType.Integer, Min: 0),
            new ParamSpec("force", PType.Boolean, RootOnly: true),
            new ParamSpec("migration_type", Enum: ["secure", "insecure"], RootOnly: true),
            new ParamSpec("migration_network", RootOnly: true, Format: MigrationNetwork.CidrError),
            new ParamSpec("with-conntrack-state", PType.Boolean),
            // Ours: how far the convergence controller may raise the downtime limit (seconds), and post-copy allowed.
            new ParamSpec(MaxDowntimeKey, PType.Number, Min: 0), new ParamSpec("post-copy", PType.Boolean));
        api.MapPost("/nodes/{node}/qemu/{vmid}/migrate", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Migrate"), post, p => Start(ctx, s, p)));

        api.MapPost("/nodes/{node}/qemu/{vmid}/migrate/force-complete", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Migrate"), new ParamSchema(Formats.NodeParam(), Formats.VmIdParam()), p => ForceComplete(s, p)));
    }

    /// <summary>
    /// Our extension: the VM's running migration switches to post-copy where it was allowed, else its downtime limit goes
    /// to max-downtime. Answers the migration's UPID.
    /// </summary>
    private static async Task<IResult> ForceComplete(ApiServices s, PveParams p)
    {
        var vmid = p.Int("vmid");
        var (vm, err) = await s.VmOnNode(p["node"]!, vmid);
        if (err is not null) return err;
        if (vm!.Lock != "migrate" || vm.LockOwner is not { } upid || !upid.StartsWith("UPID:", StringComparison.Ordinal))
            return PveResult.Error($"VM {vmid} is not being migrated");
        var reply = await s.Tasks.Ask<WorkflowCommandReply>(new ForceCompleteTask(upid), ApiServices.AskTimeout);
        return reply.Error is { } why ? PveResult.Error(why) : PveResult.Data(upid);
    }

    private static long? MaxDowntimeMs(PveParams p) =>
        p[MaxDowntimeKey] is { } v && ParamSchema.TryNumber(v, out var sec) ? LiveMigrationLimits.ToMs(sec) : null;

    private static async Task<long?> VolumeSize(ApiServices s, string node, string volid)
    {
        try
        {
            return (await s.Nodes.Ask<NodeVolume>(new GetNodeVolume(node, volid), ApiServices.AskTimeout)).Volume?.VirtualSize;
        }
        catch (Exception e) when (e is NodeOperationException or AskTimeoutException)
        {
            return null;
        }
    }

    private static async Task<IResult> Precondition(ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckNode(node) is { } bad) return bad;
        var (vm, err) = await s.VmOnNode(node, p.Int("vmid"));
        if (err is not null) return err;
        if (p["target"] is { } t && MigrationChecks.TargetError(node, t, s.Topology.ClusterNodes) is { } te)
            return PveResult.ParamError("target", te);

        var cfg = QmConfig.Parse(vm!.ConfigText);
        var storage = s.Topology.Storage;
        var rt = await s.Runtime(node, vm.VmId);
        var source = await s.Facts(node, TimeSpan.FromSeconds(5));
        var allowed = new List<string>();
        var notAllowed = new Dictionary<string, object?>();
        foreach (var n in s.Topology.ClusterNodes.Where(n => n != node && (p["target"] is null || p["target"] == n)))
        {
            var reasons = new Dictionary<string, object?>();
            var unavailable = MigrationChecks.UnavailableStorages(cfg, storage, n, StorageMap.Same);
            if (unavailable.Count > 0) reasons["unavailable_storages"] = unavailable;
            var facts = await s.Facts(n, TimeSpan.FromSeconds(2));
            var blockers = new List<string>();
            if (facts is null || !facts.Online) blockers.Add("node is offline");
            else if (source is not null)
            {
                if (Domain.Cluster.PackageVersion.Compare(facts.Version, source.Version) < 0)
                    blockers.Add($"older version {facts.Version} < {source.Version}");
                if (rt?.IsAlive == true && !string.Equals(facts.CpuVendor, source.CpuVendor, StringComparison.OrdinalIgnoreCase))
                    blockers.Add($"CPU vendor {facts.CpuVendor} differs from {source.CpuVendor}");
            }
            if (blockers.Count > 0) reasons["blocking-reasons"] = blockers;
            if (reasons.Count == 0) allowed.Add(n);
            else notAllowed[n] = reasons;
        }
        var local = MigrationChecks.Volumes(cfg, storage).Where(v => !v.Shared).ToList();
        // scan_volids: the size is the volume's own (size= may be missing or stale).
        var sizes = new Dictionary<string, long>();
        foreach (var v in local.Where(v => !v.Cdrom))
            if (await VolumeSize(s, node, v.Volid) is { } size) sizes[v.Volid] = size;
        var localDisks = local.Select(v => new Dictionary<string, object?>
        {
            ["volid"] = v.Volid, ["size"] = sizes.GetValueOrDefault(v.Volid, v.SizeBytes), ["drivename"] = v.Drive, ["cdrom"] = v.Cdrom ? 1 : 0,
            ["is_unused"] = v.IsUnused ? 1 : 0, ["is_attached"] = v.IsUnused || v.InSnapshot ? 0 : 1,
            ["is_cloudinit"] = v.Cdrom && MigrationChecks.IsCloudInit(v.Volid) ? 1 : 0, ["is_vmstate"] = 0,
            ["is_tpmstate"] = v.Drive == "tpmstate0" ? 1 : 0, ["replicate"] = 0, ["shared"] = 0,
        }).ToList();
        return PveResult.Data(new Dictionary<string, object?>
        {
            ["running"] = rt?.IsAlive == true ? 1 : 0,
            ["allowed_nodes"] = allowed,
            ["not_allowed_nodes"] = notAllowed,
            ["local_disks"] = localDisks,
            ["local_resources"] = MigrationChecks.LocalResources(cfg.Main),
            ["mapped-resources"] = Array.Empty<string>(),
            ["mapped-resource-info"] = new Dictionary<string, object?>(),
            ["has-dbus-vmstate"] = 0,
        });
    }

    private static async Task<IResult> Start(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        var target = p["target"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        if (MigrationChecks.TargetError(node, target, s.Topology.ClusterNodes) is { } te)
            return PveResult.ParamError("target", te);
        // Refused at once: gathering facts would wait for the offline node's answer.
        if (!s.IsOnline(target)) return PveResult.Error(MigrationChecks.TargetOffline(target));
        // A node in maintenance receives nothing.
        if ((await ClusterConfigApi.ConfigOrNull(ctx))?.IsInMaintenance(target) == true)
            return PveResult.Error(Domain.Balance.ClusterConfigState.InMaintenance(target));
        if (!StorageMap.TryParse(p["targetstorage"], out var map, out var mapErr))
            return PveResult.ParamError("targetstorage", mapErr!);
        // Proxmox's migrate_vm: Datastore.AllocateSpace on every target storage of the map.
        foreach (var st in map.Pairs.Values.Append(map.Default).OfType<string>().Distinct())
            if (Access.Denied(ctx.Caller(), ctx.Permissions(), $"/storage/{st}", ["Datastore.AllocateSpace"]) is { } denied)
                return Access.Forbidden(denied);
        var vmid = p.Int("vmid");
        var (vm, err) = await s.VmOnNode(node, vmid);
        if (err is not null) return err;

        var user = TokenAuth.UserOf(ctx);
        var request = new MigrationRequest(vmid, node, target, p.Bool("online"), p.Bool("with-local-disks"),
            p["targetstorage"], p.Long("bwlimit"), p.Bool("force"), p.Bool("with-conntrack-state"), user,
            PollIntervalMs: s.Options.PollIntervalMs, MaxDowntimeMs: MaxDowntimeMs(p), PostCopy: p.Bool("post-copy"),
            CompletionTimeoutPerGiBSec: s.Options.CompletionTimeoutPerGiBSec, ProgressTimeoutSec: s.Options.ProgressTimeoutSec);
        var downtimeMs = LiveMigrationLimits.DowntimeMs(QmConfig.Parse(vm!.ConfigText).Main, request.DowntimeLimitMs);
        if (LiveMigrationLimits.MaxDowntimeError(request.MaxDowntimeMs, downtimeMs) is { } maxDowntime)
            return PveResult.ParamError(MaxDowntimeKey, maxDowntime);
        var network = MigrationNetwork.Effective((await ClusterConfigApi.ConfigOrNull(ctx))?.Options.Migration,
            p["migration_type"], p["migration_network"]);

        // The same checks prepare runs, now, so a refusal changes nothing and names its reason.
        var upid = s.NewUpid(node, "qmigrate", vmid.ToString(), user);
        var facts = await s.Gather<MigrationFacts>(new GatherMigrationFacts("prepare", vmid, node, target));
        var (_, error, _) = MigrationChecks.Prepare(request, facts, upid.ToString(), network);
        if (error is not null) return PveResult.Error(error);
        return await s.StartTask(upid, request);
    }
}
