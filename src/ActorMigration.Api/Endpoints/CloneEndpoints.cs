using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.Clone;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/qemu/{vmid}/clone (qmclone).</summary>
public static class CloneEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var clone = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), Formats.VmIdParam("newid"),
            new ParamSpec("name", Format: Formats.DnsName, MaxLength: 128), new ParamSpec("description", MaxLength: 8192, MultiLine: true),
            new ParamSpec("full", PType.Boolean), Formats.NodeParam("target", optional: true),
            new ParamSpec("storage", Format: Formats.StorageId), new ParamSpec("format", Enum: ["raw", "qcow2", "vmdk"]),
            new ParamSpec("snapname", Format: Formats.ConfigId), PoolEndpoints.PoolParam(), new ParamSpec("bwlimit", PType.Integer, Min: 0));
        // Proxmox: VM.Clone on the source, VM.Allocate on the new id, Datastore.AllocateSpace on a target storage.
        var need = Need.Vm("VM.Clone").And("/vms/{newid}", "VM.Allocate").AndIf("storage", "/storage/{storage}", "Datastore.AllocateSpace");
        api.MapPost("/nodes/{node}/qemu/{vmid}/clone", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, need, clone, p => Clone(ctx, s, p)));
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
        if (PoolEndpoints.CheckExists(ctx, p["pool"]) is { } noPool) return noPool;
        var (vm, err) = await s.VmOnNode(node, vmid);
        if (err is not null) return err;
        var cfg = QmConfig.Parse(vm!.ConfigText);
        var full = p["full"] is null ? !cfg.IsTemplate : p.Bool("full");
        if ((await s.Vm(newid)).Exists) return PveResult.Error($"unable to create VM {newid}: config file already exists");
        var user = TokenAuth.UserOf(ctx);
        // One new MAC for each NIC the source has, in its config or a snapshot.
        var ids = FreshIdSource.New(cfg.Main.Keys.Concat(cfg.Snapshots.SelectMany(x => x.Section.Keys)), s.Options.MacPrefix);
        var request = new CloneRequest(vmid, node, newid, target, p["name"], p["description"], full, p["storage"], p["format"],
            p["snapname"], p.Long("bwlimit"), user, s.Options.PollIntervalMs, ids);
        // The same checks the workflow makes, now, so a refusal changes nothing.
        if (CloneMachine.Check(request, vm, s.Topology.Storage, null) is { } refusal) return PveResult.Error(refusal);
        if (await PoolEndpoints.Place(ctx, newid, p["pool"]) is { } poolError) return poolError;
        return await s.StartTask(s.NewUpid(node, "qmclone", vmid.ToString(), user), request);
    }
}
