using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Import;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.Create;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/qemu with <c>archive</c> (restore), or with our <c>import-source</c> (one-call import).</summary>
public static class CreateFromSource
{
    public static async Task<IResult> Restore(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        var vmid = p.Int("vmid");
        var archive = p["archive"]!;
        // The disks come from the archive: a drive given with it is refused, as Proxmox does.
        if (p.Values.Keys.Where(Drives.IsDriveKey).Order(StringComparer.Ordinal).FirstOrDefault() is { } drive)
            return PveResult.ParamError(drive, "option conflicts with option 'archive'");
        if (!VolumeName.TryParse(archive, out var vn, out var perr) || vn!.VType != "backup")
            return PveResult.ParamError("archive", perr ?? $"'{archive}' is not a backup volume");
        if (s.Topology.Storage.Get(vn.Storage) is not { } def || !def.AvailableOn(node))
            return PveResult.Error($"storage '{vn.Storage}' is not available on node '{node}'");
        var existing = await s.Vm(vmid);
        if (existing.Exists)
            return PveResult.Error($"unable to restore VM {vmid} - VM {vmid} already exists on node '{existing.Node}'");

        NodeBackupManifest manifest;
        try
        {
            manifest = await s.Nodes.Ask<NodeBackupManifest>(new ReadNodeBackup(node, archive), ApiServices.AskTimeout);
        }
        catch (NodeOperationException e)
        {
            return PveResult.Error($"unable to read backup archive '{archive}' - {e.Message}");
        }

        var cfg = QmConfig.Parse(manifest.ConfigText);
        var restored = new QmConfig();
        foreach (var (k, v) in cfg.Main.Values)
            if (k is not ("lock" or "parent")) restored[k] = v;
        restored.Main.Description = cfg.Main.Description;
        // A restore is a new generation for the guest; MACs and smbios uuid change only with unique=1.
        if (restored["vmgenid"] is { } g && g != "0") restored["vmgenid"] = FreshIdSource.NewVmGenId().ToString();
        if (p.Bool("unique")) VmConfigRules.NewIdentity(restored.Main, FreshIdSource.New(restored.Main.Keys, s.Options.MacPrefix), vmgenid: false);
        MergeSent(restored, p, s.Topology.Storage);

        var plans = new List<DiskPlan>();
        var taken = new HashSet<string>();
        foreach (var disk in manifest.Disks)
        {
            if (restored[disk.Drive] is not { } dv) continue;
            var d = DriveSpec.Parse(dv);
            var origin = d.Volume?.Storage;
            var sid = p["storage"] ?? origin ?? "local";
            if (s.Topology.Storage.Get(sid) is not { } sdef || !sdef.AvailableOn(node) || !sdef.HasContent("images"))
                return PveResult.Error($"storage '{sid}' is not available on node '{node}' for VM images");
            foreach (var v in (await s.Nodes.Ask<NodeVolumes>(new ListNodeVolumes(node, sid, vmid), ApiServices.AskTimeout)).Volumes)
                taken.Add(v.VolId);
            var format = d.Volume is not null && VolumeName.TryParse(d.File, out var ov, out _) ? ov!.Format : disk.Format;
            var n = 0;
            string dst;
            while (taken.Any(t => VolumeName.TryParse(t, out var tv, out _) && tv!.Storage == sid && tv.DiskNumber == n)) n++;
            // A template's disks come back as its base volumes (Proxmox converts a restored template again).
            dst = VolumeName.ImageVolId(sid, vmid, VolumeName.DiskName(vmid, n, format, isBase: restored.IsTemplate));
            taken.Add(dst);
            var rest = new PropertyString();
            foreach (var (k, v) in d.Props.Items)
                if (k is not ("file" or "size" or "format")) rest.Set(k, v);
            plans.Add(new DiskPlan(disk.Drive, dst, format, disk.SizeBytes, null, rest.Print(), archive));
            restored[disk.Drive] = null;
        }
        var user = TokenAuth.UserOf(ctx);
        var upid = s.NewUpid(node, "qmrestore", vmid.ToString(), user);
        return await s.StartTask(upid, new CreateRequest(vmid, node, restored.ToString(), plans, p.Bool("start"), p.Long("bwlimit"),
            user, Archive: archive));
    }

    /// <summary>
    /// As qemu-server's restore_merge_config: the VM options sent with the archive (name, memory, cores, ...) replace the
    /// archive's. Drives are not among them: they were refused.
    /// </summary>
    private static void MergeSent(QmConfig restored, PveParams p, StorageConfig storage)
    {
        foreach (var (k, v) in p.Values)
            if (VmOptions.IsVmOption(k, storage) && k is not ("node" or "vmid" or "description")) restored[k] = v;
        if (p["description"] is { } description) restored.Main.Description = description;
        if (p["cipassword"] is { } pw) restored["cipassword"] = CloudInitOptions.StoredPassword(pw, restored["ostype"]);
    }

    /// <summary>Fills the create parameters from an OVF/VMX manifest; its warnings go into the task log.</summary>
    public static async Task<(List<string>? Warnings, IResult? Error)> ApplyImportSource(ApiServices s, PveParams p)
    {
        var source = p["import-source"]!;
        if (!VolumeIdRef.TryParse(source, out var r)) return (null, PveResult.ParamError("import-source", $"unable to parse volume ID '{source}'"));
        var (meta, error) = await ImportEndpoints.Read(s, p["node"]!, r.Storage, source);
        if (error is not null) return (null, error);
        var target = p["storage"] ?? "local";
        foreach (var (k, v) in OvfImport.CreateParams(meta!, p.Int("vmid"), target))
            if (!p.Values.ContainsKey(k)) p.Values[k] = v;
        var warnings = meta!.Warnings.Select(w => $"{w.Type}{(w.Key is null ? "" : $" ({w.Key})")}: {w.Describe()}").ToList();
        // Notes are logged but are no typed warnings: they do not count in "WARNINGS: n".
        warnings.AddRange(meta.Notes.Select(n => CreateRequest.NotePrefix + n));
        return (warnings, null);
    }
}
