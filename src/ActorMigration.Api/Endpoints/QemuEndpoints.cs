using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Api.Http;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.Create;
using ActorMigration.Domain.Workflows.VmTask;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>/nodes/{node}/qemu: list, create, config, status and destroy.</summary>
public static class QemuEndpoints
{
    private static readonly ParamSchema NodeVm = new(Formats.NodeParam(), Formats.VmIdParam());

    /// <summary>
    /// Proxmox's create_vm: VM.Allocate on the new VM, Datastore.AllocateSpace on the default storage, VM.PowerMgmt to start it;
    /// each config key and disk is checked by <see cref="ConfigAccess"/>.
    /// </summary>
    private static readonly Need CreateNeed = Need.Vm("VM.Allocate")
        .AndIf("storage", "/storage/{storage}", "Datastore.AllocateSpace").AndIf("start", "/vms/{vmid}", "VM.PowerMgmt")
        .AndIf("ha-managed", "/", "Sys.Console");

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/qemu", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(Formats.NodeParam(), new ParamSpec("full", PType.Boolean)), p => List(ctx, s, p["node"]!)));

        api.MapPost("/nodes/{node}/qemu", (HttpContext ctx, ApiServices s) => Create(ctx, s));

        api.MapGet("/nodes/{node}/qemu/{vmid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, NodeVm, async p =>
            {
                var (_, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                return err ?? PveResult.Data(new[] { "config", "status", "migrate", "clone", "template", "snapshot", "agent", "unlink", "cloudinit" }
                    .Select(n => new Dictionary<string, object?> { ["subdir"] = n }).ToList());
            }));

        api.MapGet("/nodes/{node}/qemu/{vmid}/config", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Audit"), new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("current", PType.Boolean),
                new ParamSpec("snapshot", Format: Formats.ConfigId)), p => GetConfig(s, p)));

        api.MapGet("/nodes/{node}/qemu/{vmid}/pending", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Audit"), NodeVm, async p =>
            {
                var (vm, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                return err ?? PveResult.Data(ConfigJson.Pending(QmConfig.Parse(vm!.ConfigText), vm.Digest));
            }));

        api.MapPut("/nodes/{node}/qemu/{vmid}/config", (HttpContext ctx, ApiServices s) => ConfigUpdateEndpoint.Run(ctx, s, async: false));
        api.MapPost("/nodes/{node}/qemu/{vmid}/config", (HttpContext ctx, ApiServices s) => ConfigUpdateEndpoint.Run(ctx, s, async: true));

        api.MapGet("/nodes/{node}/qemu/{vmid}/status", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, NodeVm, async p =>
            {
                var (_, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                return err ?? PveResult.Data(new[] { "current", "start", "stop", "shutdown", "reboot", "reset", "suspend", "resume" }
                    .Select(n => new Dictionary<string, object?> { ["subdir"] = n }).ToList());
            }));

        api.MapGet("/nodes/{node}/qemu/{vmid}/status/current", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Audit"), NodeVm, async p =>
            {
                var (vm, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                if (err is not null) return err;
                var rt = await s.Runtime(p["node"]!, vm!.VmId);
                var entry = ListEntry(vm.VmId, vm.ConfigText, vm.Error, rt);
                entry["qmpstatus"] = rt?.QmpStatus ?? "unknown";
                var ha = await HaApi.ConfigOrLastSeen(ctx);
                entry["ha"] = HaApi.VmStatus(ha, vm.VmId, rt?.IsAlive, await HaApi.ManagerIfManaged(ctx, ha, vm.VmId), vm.Node);
                if (rt?.RunningMachine is { } m) entry["running-machine"] = m;
                // Our extension: the generation id the running QEMU exposes (query-vm-generation-id).
                if (rt?.IsAlive == true)
                {
                    try
                    {
                        var genid = await s.Nodes.Ask<NodeVmGenId>(new QueryNodeVmGenId(p["node"]!, vm.VmId), TimeSpan.FromSeconds(5));
                        if (genid.Guid is { } gid) entry["running-vmgenid"] = gid;
                    }
                    catch (Exception e) when (e is AskTimeoutException or NodeOperationException)
                    {
                    }
                }
                if (rt?.RunningQemu is { } q) entry["running-qemu"] = q;
                return PveResult.Data(entry);
            }));

        foreach (var kind in new[] { VmTaskMachine.Start, VmTaskMachine.Stop, VmTaskMachine.Shutdown })
        {
            var schema = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
                new ParamSpec("skiplock", PType.Boolean, RootOnly: true), new ParamSpec("timeout", PType.Integer, Min: 0, Max: int.MaxValue),
                new ParamSpec("keepActive", PType.Boolean, RootOnly: true), new ParamSpec("overrule-shutdown", PType.Boolean),
                new ParamSpec("forceStop", PType.Boolean), new ParamSpec("machine", Pattern: VmOptions.MachinePattern),
                    new ParamSpec("migratedfrom", RootOnly: true),
                new ParamSpec("migration_type", RootOnly: true), new ParamSpec("migration_network", RootOnly: true),
                new ParamSpec("targetstorage", RootOnly: true), new ParamSpec("stateuri", RootOnly: true),
                new ParamSpec("force-cpu", RootOnly: true), new ParamSpec("with-conntrack-state", PType.Boolean, RootOnly: true));
            api.MapPost($"/nodes/{{node}}/qemu/{{vmid}}/status/{kind}", (HttpContext ctx, ApiServices s) =>
                Handler.Run(ctx, Need.Vm("VM.PowerMgmt"), schema, p => VmTask(ctx, s, p, kind)));
        }

        api.MapDelete("/nodes/{node}/qemu/{vmid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Allocate"), new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("purge", PType.Boolean),
                new ParamSpec("destroy-unreferenced-disks", PType.Boolean), new ParamSpec("skiplock", PType.Boolean, RootOnly: true)),
                p => VmTask(ctx, s, p, VmTaskMachine.Destroy)));
    }

    public static Dictionary<string, object?> Entry(int vmid, QmSection c, VmRuntime? rt)
    {
        var running = rt?.IsAlive == true;
        var e = new Dictionary<string, object?>
        {
            ["vmid"] = vmid,
            ["name"] = ConfigJson.Name(c, vmid),
            ["status"] = rt is null ? "unknown" : running ? "running" : "stopped",
            ["cpus"] = ConfigJson.Cpus(c),
            ["cpu"] = 0,
            ["maxmem"] = VmMemory.Bytes(c),
            ["mem"] = running ? VmMemory.Bytes(c) : 0,
            ["maxdisk"] = ConfigJson.MaxDisk(c),
            ["disk"] = 0,
            ["netin"] = 0,
            ["netout"] = 0,
            ["diskread"] = 0,
            ["diskwrite"] = 0,
            ["uptime"] = running ? rt!.UptimeSeconds : 0,
        };
        if (running && rt!.Pid is { } pid) e["pid"] = pid;
        if (c["template"] == "1") e["template"] = 1;
        if (c["lock"] is { } l) e["lock"] = l;
        if (c["tags"] is { } t) e["tags"] = t;
        return e;
    }

    /// <summary>
    /// <see cref="Entry"/> of a stored record, built from what of its config can be read; never throws, so one
    /// bad record cannot take a listing down. A record with problems (<see cref="VmRecordView.Error"/>) carries them in
    /// <c>error</c>; its status stays what the node reports.
    /// </summary>
    public static Dictionary<string, object?> ListEntry(int vmid, string configText, string? error, VmRuntime? rt)
    {
        Dictionary<string, object?> e;
        try
        {
            e = Entry(vmid, QmConfig.Parse(configText).Main, rt);
        }
        catch (Exception)
        {
            e = Entry(vmid, new QmSection(), rt);
            error = error is null ? "the VM's config cannot be interpreted" : error + "\nthe VM's config cannot be interpreted";
        }
        if (error is not null) e["error"] = error;
        return e;
    }

    private static async Task<IResult> List(HttpContext ctx, ApiServices s, string node)
    {
        if (s.CheckNode(node) is { } bad) return bad;
        var vms = await s.ReadModel.Ask<VmList>(new ListVms(node), ApiServices.AskTimeout);
        vms = new VmList(vms.Vms.Where(v => ctx.Allowed($"/vms/{v.VmId}", "VM.Audit")).ToList());
        var runtimes = (await s.NodeVms(node, TimeSpan.FromSeconds(5)))?.Vms.ToDictionary(v => v.VmId);
        return PveResult.Data(vms.Vms.Select(v => ListEntry(v.VmId, v.ConfigText, v.Error,
            runtimes is null ? null : runtimes.TryGetValue(v.VmId, out var rt) ? rt : new VmRuntime(v.VmId, VmRunState.Stopped))).ToList());
    }

    private static async Task<IResult> GetConfig(ApiServices s, PveParams p)
    {
        if (p["current"] is not null && p["snapshot"] is not null)
            return PveResult.ParamErrors(new Dictionary<string, string>
            {
                ["current"] = "option conflicts with option 'snapshot'",
                ["snapshot"] = "option conflicts with option 'current'",
            });
        var (vm, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
        if (err is not null) return err;
        // Read as Proxmox reads it: lines that cannot be parsed are left out and named in "error" (our extension),
        // so a damaged config can be seen and repaired with PUT (set or delete=) or destroyed.
        var cfg = QmConfig.Parse(vm!.ConfigText);
        if (p["snapshot"] is { } snap)
            return cfg.Snapshot(snap) is { } section
                ? PveResult.Data(ConfigJson.From(section, null))
                : PveResult.Error($"snapshot '{snap}' does not exist");
        // Without current=1, pending values count (Proxmox's vm_config): what a client reads back is what it wrote.
        var data = ConfigJson.From(p.Bool("current") ? cfg.Main : PendingChanges.WithPending(cfg), vm.Digest);
        if (vm.Error is { } error) data["error"] = error;
        return PveResult.Data(data);
    }

    private static async Task<IResult> VmTask(HttpContext ctx, ApiServices s, PveParams p, string kind)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        var (vm, err) = await s.VmOnNode(node, p.Int("vmid"));
        if (err is not null) return err;
        var haResource = false;
        if (kind == VmTaskMachine.Destroy)
        {
            (var haRefused, haResource) = await HaApi.DestroyCheck(ctx, vm!.VmId, p.Bool("purge"));
            if (haRefused is not null) return PveResult.Error(haRefused);
            if (vm!.LinkedClones.Count > 0)
                return PveResult.Error($"base volume is used by linked clone(s): {string.Join(", ", vm.LinkedClones)}");
            if ((await s.Runtime(node, vm.VmId))?.IsAlive == true) return PveResult.Error($"VM {vm.VmId} is running - destroy failed");
            if (vm.Lock is { } l && !p.Bool("skiplock")) return PveResult.Error(VmDecider.Locked(l));
        }
        var user = TokenAuth.UserOf(ctx);
        var upid = s.NewUpid(node, VmTaskMachine.TaskType(kind), vm!.VmId.ToString(), user);
        var timeout = p["timeout"] is not null ? p.Int("timeout") : Math.Max(30, (int)(VmMemory.Bytes(QmConfig.Parse(vm.ConfigText).Main) >> 30));
        if (haResource && p.Bool("purge")) await HaApi.PlanAfterDestroy(ctx, upid.ToString(), vm.VmId);
        return await s.StartTask(upid, new VmTaskRequest(kind, vm.VmId, node, user, timeout, p.Bool("skiplock")));
    }

    private static Task<IResult> Create(HttpContext ctx, ApiServices s)
    {
        var storage = s.Topology.Storage;
        var schema = VmOptions.Schema(storage,
            Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("archive", MaxLength: 255), new ParamSpec("storage", Format: Formats.StorageId),
            PoolEndpoints.PoolParam(), new ParamSpec("start", PType.Boolean), new ParamSpec("ha-managed", PType.Boolean),
            new ParamSpec("bwlimit", PType.Integer, Min: 0), new ParamSpec("force", PType.Boolean, Requires: "archive", RootOnly: true),
            new ParamSpec("unique", PType.Boolean, Requires: "archive"), new ParamSpec("live-restore", PType.Boolean),
            new ParamSpec("import-working-storage", Format: Formats.StorageId),
            new ParamSpec("import-source", MaxLength: 1024));
        return Handler.Run(ctx, CreateNeed, schema, async p =>
        {
            var node = p["node"]!;
            // Create and restore onto an offline node are refused at once, before any question to it.
            if (s.CheckOnline(node) is { } bad) return bad;
            var vmid = p.Int("vmid");
            if (PoolEndpoints.CheckExists(ctx, p["pool"]) is { } noPool) return noPool;
            if (ConfigAccess.Check(ctx, vmid, ConfigKeys(p, storage), [], _ => null, creating: true) is { } refused) return refused;
            // The archive or import manifest is read with the caller's rights on its volume (check_volume_access).
            foreach (var source in new[] { p["archive"], p["import-source"] }.OfType<string>())
                if (ConfigAccess.VolumeDenied(ctx.Caller(), ctx.Permissions(), vmid, source) is { } denied) return Access.Forbidden(denied);
            if (p["archive"] is not null)
                return HaApi.RestoreRefusal(p) ?? await PoolEndpoints.PlaceIfSet(ctx, vmid, p["pool"]) ?? await CreateFromSource.Restore(ctx, s, p);
            var existing = await s.Vm(vmid);
            if (existing.Exists)
                return PveResult.Error($"unable to create VM {vmid} - VM {vmid} already exists on node '{existing.Node}'");
            if (await s.Facts(node, TimeSpan.FromSeconds(5)) is null)
                return PveResult.Error(ApiServices.Offline(node));
            List<string>? warnings = null;
            if (p["import-source"] is not null)
            {
                (warnings, var importError) = await CreateFromSource.ApplyImportSource(s, p);
                if (importError is not null) return importError;
                var recheck = VmOptions.Schema(storage).Validate(p, ctx.Caller().IsRootUser);
                foreach (var key in new[] { "node", "vmid", "storage", "import-source", "start", "bwlimit" }) recheck.Remove(key);
                if (recheck.Count > 0) return PveResult.ParamErrors(recheck);
                // What the manifest added is the caller's config as well.
                if (ConfigAccess.Check(ctx, vmid, ConfigKeys(p, storage), [], _ => null, creating: true) is { } refusedImport)
                    return refusedImport;
            }

            var cfg = new QmConfig();
            foreach (var (k, v) in p.Values)
                if (VmOptions.IsVmOption(k, storage) && k is not ("node" or "vmid" or "description")) cfg[k] = v;
            if (p["description"] is { } description) cfg.Main.Description = description;
            if (HaApi.CreateRefusal(p, vmid, cfg, storage) is { } haRefused) return PveResult.Error(haRefused);
            if (cfg["cipassword"] is { } pw) cfg["cipassword"] = CloudInitOptions.StoredPassword(pw, cfg["ostype"]);
            if (await VolumeChecks.Drives(s, node, cfg.Main.Values) is { } missing) return missing;
            var (disks, error) = await PlanDisks(s, node, vmid, cfg, p["storage"]);
            if (error is not null) return error;
            VmConfigRules.CompleteNew(cfg, FreshIdSource.New(cfg.Main.Keys, s.Options.MacPrefix), DateTimeOffset.UtcNow);
            foreach (var d in disks) cfg[d.Drive] = null;
            // Keep the boot order computed with the new disks in place.
            var user = TokenAuth.UserOf(ctx);
            var upid = s.NewUpid(node, "qmcreate", vmid.ToString(), user);
            await HaApi.PlanAfterCreate(ctx, p, upid.ToString(), vmid);
            if (await PoolEndpoints.Place(ctx, vmid, p["pool"]) is { } placeError) return placeError;
            return await s.StartTask(upid, new CreateRequest(vmid, node, cfg.ToString(), disks, p.Bool("start"), p.Long("bwlimit"), user, warnings));
        });
    }

    /// <summary>The VM config keys among a request's parameters.</summary>
    internal static Dictionary<string, string> ConfigKeys(PveParams p, StorageConfig storage) =>
        p.Values.Where(kv => VmOptions.IsVmOption(kv.Key, storage) && kv.Key is not ("node" or "vmid")).ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>New disks (<c>storage:size</c> or <c>storage:0,import-from=</c>) get free volume names on the node.</summary>
    public static async Task<(List<DiskPlan> Disks, IResult? Error)> PlanDisks(ApiServices s, string node, int vmid, QmConfig cfg, string? defaultStorage)
    {
        var plans = new List<DiskPlan>();
        var taken = new HashSet<string>();
        foreach (var (key, d) in Drives.All(cfg.Main, includeUnused: false))
        {
            if (CloudInitDrive.IsRequest(d, out var ciStorage))
            {
                var ci = DriveSpec.Parse(CloudInitDrive.Resolve(d, vmid));
                if (!s.Topology.Storage.Get(ciStorage)!.AvailableOn(node)) return ([],
                    PveResult.Error($"storage '{ciStorage}' is not available on node '{node}'"));
                var file = ci.File;
                ci.Props["file"] = null;
                plans.Add(new DiskPlan(key, file, VolumeName.Parse(file).Format, CloudInitDrive.SizeBytes, null, ci.Props.Print()));
                continue;
            }
            if (!d.IsAllocation(out var sid, out var gib)) continue;
            var def = s.Topology.Storage.Get(sid)!;
            if (!def.AvailableOn(node)) return ([], PveResult.Error($"storage '{sid}' is not available on node '{node}'"));
            if (taken.Count == 0 || !taken.Any(t => t.StartsWith(sid + ":")))
                foreach (var v in (await s.Nodes.Ask<NodeVolumes>(new ListNodeVolumes(node, sid, vmid), ApiServices.AskTimeout)).Volumes)
                    taken.Add(v.VolId);
            // swtpm only uses raw volumes (Proxmox's create_disks).
            var format = key == "tpmstate0" ? "raw"
                : d.Props["format"] ?? (d.ImportFrom is not null && d.ImportFrom.EndsWith(".raw") ? "raw" : "qcow2");
            var n = 0;
            string volid;
            // A number is taken in any format (find_free_diskname): vm-100-disk-0.qcow2 takes vm-100-disk-0.raw too.
            while (taken.Contains(volid = VolumeName.ImageVolId(sid, vmid, VolumeName.DiskName(vmid, n, format)))
                   || taken.Any(t => t.StartsWith(sid + ":", StringComparison.Ordinal)
                                     && VolumeName.TryParseDiskNumber(t[(t.LastIndexOf('/') + 1)..]) == n)) n++;
            taken.Add(volid);
            var rest = new PropertyString();
            foreach (var (k, v) in d.Props.Items)
                if (k is not ("file" or "import-from" or "size" or "format")) rest.Set(k, v);
            plans.Add(new DiskPlan(key, volid, format, (long)(gib * SizeFormat.GiB), d.ImportFrom, rest.Print()));
        }
        return (plans, null);
    }
}
