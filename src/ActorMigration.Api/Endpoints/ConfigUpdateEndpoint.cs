using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.VmTask;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// PUT (synchronous) and POST (a qmconfig task) /nodes/{node}/qemu/{vmid}/config: checks, new disks, cloud-init parts,
/// then the edit through [PENDING] (PendingChanges), or a qmconfig task when disks or NICs are plugged.
/// </summary>
internal static class ConfigUpdateEndpoint
{
    public static Task<IResult> Run(HttpContext ctx, ApiServices s, bool async)
    {
        var storage = s.Topology.Storage;
        var own = new List<ParamSpec>
        {
            Formats.NodeParam(), Formats.VmIdParam(), new("delete", MaxLength: 4096), new("revert", MaxLength: 4096),
            new("force", PType.Boolean, Requires: "delete"), new("skiplock", PType.Boolean, RootOnly: true),
            new("digest", MaxLength: 40),
        };
        if (async)
        {
            own.Add(new ParamSpec("background_delay", PType.Integer, Min: 1, Max: 30));
            own.Add(new ParamSpec("import-working-storage", Format: Formats.StorageId));
        }
        return Handler.Run(ctx, Need.VmAny(ConfigAccess.AnyConfigPriv), VmOptions.Schema(storage, own.ToArray()), async p =>
        {
            var node = p["node"]!;
            if (s.CheckNode(node) is { } bad) return bad;
            var vmid = p.Int("vmid");
            var set = QemuEndpoints.ConfigKeys(p, storage);
            var delete = (p["delete"] ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries).ToList();
            var revert = (p["revert"] ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries).ToList();
            foreach (var k in revert)
            {
                if (!VmOptions.IsVmOption(k, storage)) return PveResult.ParamError("revert", $"unknown option '{k}'");
                if (set.ContainsKey(k)) return PveResult.ParamError("delete", $"you can't use '-{k}' and -revert {k}' at the same time");
            }
            foreach (var k in delete)
            {
                if (!VmOptions.IsVmOption(k, storage)) return PveResult.ParamError("delete", $"unknown option '{k}'");
                if (set.ContainsKey(k)) return PveResult.ParamError("delete", $"you can't use '-{k}' and -delete {k}' at the same time");
                if (revert.Contains(k)) return PveResult.ParamError("revert", $"you can't use '-delete {k}' and -revert {k}' at the same time");
            }
            if (set.Count == 0 && delete.Count == 0 && revert.Count == 0) return PveResult.Error("no options specified");
            var (vm, err) = await s.VmOnNode(node, vmid);
            if (err is not null) return err;
            var stored = QmConfig.Parse(vm!.ConfigText);
            if (ConfigAccess.Check(ctx, vmid, set, delete.Concat(revert).ToList(), k => stored[k]) is { } refused) return refused;
            if (await VolumeChecks.Drives(s, node, set) is { } missing) return missing;
            var (newDisks, planError) = await ConfigDiskEdit.PlanAsync(s, node, vmid, set);
            if (planError is not null) return planError;
            if (await CloudInitEdit.ApplyAsync(s, node, vmid, vm!.ConfigText, set) is { } ciError) return ciError;

            // Everything goes through [PENDING] (PendingChanges): a disk removed or replaced becomes unusedN there.
            var normalized = new Dictionary<string, string>(VmConfigRules.NormalizeEdit(set, FreshIdSource.New(set.Keys, s.Options.MacPrefix)));
            var deletes = delete.ToList();
            // revert: the current value again (a pending value equal to it is dropped), or the pending-only key deleted.
            foreach (var k in revert)
            {
                if (stored.Main[k] is { } current) normalized[k] = current;
                else if (stored.Pending?[k] is not null) deletes.Add(k);
            }
            var user = TokenAuth.UserOf(ctx);
            var task = newDisks.Count > 0 || async;
            var running = !task && (await s.Runtime(node, vmid))?.IsAlive == true;
            // A NIC a running VM takes now is plugged by the qmconfig task, as a new disk is.
            if (task || (running && VmTaskMachine.PlugsNics(stored, normalized).Count > 0))
            {
                // The task's Delete list marks forced deletes with '!', the pending list's own syntax.
                var taskDeletes = p.Bool("force") ? deletes.Select(k => "!" + k).ToList() : deletes;
                var request = new VmTaskRequest(VmTaskMachine.Config, vmid, node, user, 0, p.Bool("skiplock"), normalized, taskDeletes, p["digest"],
                    newDisks.Count > 0 ? newDisks : null);
                if (newDisks.Count > 0)
                {
                    var (facts, factsError) = await s.VmFactsOnNode(node, vmid);
                    if (factsError is not null) return factsError;
                    if (VmTaskMachine.Check(request, facts!) is { } no) return PveResult.Error(no);
                }
                var id = s.NewUpid(node, "qmconfig", vmid.ToString(), user);
                var started = await s.StartTask(id, request);
                return async ? started : await ConfigDiskEdit.AwaitEnd(s, id.ToString(), started);
            }
            var mode = running ? ConfigEditMode.Running : ConfigEditMode.Stopped;
            var reply = await s.Vms.Ask<VmReply>(new EditVmConfig(vmid, node, normalized, deletes, p["digest"], null, p.Bool("skiplock"), mode,
                p.Bool("force")), ApiServices.AskTimeout);
            return reply.Ok ? PveResult.Data(null) : PveResult.Error(reply.Error!);
        });
    }
}
