namespace ActorMigration.Bench.Fuzz;

/// <summary>
/// The deterministic part: every hostile file through every route that reads it, and the reproductions,
/// each once, on a fresh fixture. Expensive files (deep OVF, huge exponent, sparse tar) come last.
/// </summary>
internal static class HostilePass
{
    public static IEnumerable<Draft> Drafts(IReadOnlyList<RouteInfo> routes, World world)
    {
        RouteInfo R(string key) => routes.FirstOrDefault(r => r.Key == key) ?? new RouteInfo(key.Split(' ')[0], key.Split(' ')[1], []);
        var meta = R("GET /nodes/{node}/storage/{storage}/import-metadata");
        var create = R("POST /nodes/{node}/qemu");
        var put = R("PUT /nodes/{node}/qemu/{vmid}/config");
        var post = R("POST /nodes/{node}/qemu/{vmid}/config");
        var clone = R("POST /nodes/{node}/qemu/{vmid}/clone");
        var migrate = R("POST /nodes/{node}/qemu/{vmid}/migrate");
        var task = R("GET /nodes/{node}/tasks/{upid}/status");
        var abort = R("DELETE /nodes/{node}/tasks/{upid}");
        var id = 600;

        Draft D(RouteInfo r, string node, string? vmid, string encoding, params (string, Val)[] ps)
        {
            var d = new Draft(r) { Encoding = encoding, Phase = "files" };
            d.PathValues["node"] = Val.Ok(node);
            if (vmid is not null) d.PathValues["vmid"] = Val.Ok(vmid);
            foreach (var (k, v) in ps) d.Params.Add((k, v));
            if (d.Route.Mutating && node == FuzzMember.Offline) d.Refuse(Tag.Offline, "a change on the offline node");
            return d;
        }
        Val F(string text, FileRef f, string? must = null) => new(text, f.Tags, MustRefuse: f.MustRefuse ?? must);
        Val H(string text, Tag t, string? must) => new(text, t, MustRefuse: must);
        (string, Val) NewId() => ("vmid", Val.Ok((id++).ToString()));

        foreach (var expensive in new[] { false, true })
        {
            foreach (var f in HostileFiles.Manifests.Where(f => f.Expensive == expensive))
            {
                var m = D(meta, "node1", null, "query", ("volume", F(f.VolName, f)));
                m.PathValues["storage"] = Val.Ok("local");
                yield return m;
                yield return D(create, "node1", null, "form", NewId(), ("import-source", F("local:" + f.VolName, f,
                    (f.Tags & (Tag.Symlink | Tag.Huge)) != 0 ? "a hostile manifest imported" : null)), ("storage", Val.Ok("local")));
            }
            foreach (var f in HostileFiles.Archives(world.ValidBackup).Where(f => f.Expensive == expensive))
                yield return D(create, "node1", null, "form", NewId(), ("archive", F("local:" + f.VolName, f)));
            if (expensive) continue;
            foreach (var f in HostileFiles.RawImages)
                yield return D(create, "node1", null, "form", NewId(), ("memory", Val.Ok("256")), ("scsi0", F($"local:0,import-from=local:{f.VolName}", f)));
            foreach (var f in HostileFiles.Isos)
            {
                yield return D(create, "node1", null, "form", NewId(), ("memory", Val.Ok("256")), ("ide2", F($"local:{f.VolName},media=cdrom", f)));
                yield return D(put, "node1", "101", "form", ("ide2", F($"local:{f.VolName},media=cdrom", f)));
            }
            yield return D(create, "node1", null, "form", NewId(), ("memory", Val.Ok("256")),
                ("scsi0", H("shared:0,import-from=shared:import/passwd-link.raw", Tag.Symlink, "the source is a symlink out of the storage")));
            yield return D(create, "node1", null, "form", ("vmid", H(HostileFiles.FifoImageVmId.ToString(), Tag.Fifo, null)), ("scsi0", Val.Ok("local:1")));
            var backup = world.ValidBackup;
            var placed = D(create, "node1", null, "form", NewId(), ("archive", H("extra:" + HostileFiles.HugeIdArchive, Tag.Huge, null)));
            placed.Setup = dir => HostileFiles.PlaceHugeIdArchive(dir, backup);
            yield return placed;
            yield return D(create, "node1", null, "form", NewId(), ("scsi0", H("extra:1", Tag.Huge, null)));
            var cloned = D(clone, "node1", "101", "form", ("newid", Val.Ok((id++).ToString())), ("full", Val.Ok("1")));
            cloned.Teardown = HostileFiles.RemoveHugeIdArchive;
            yield return cloned;
            yield return D(put, "node1", "101", "form", ("scsi1", H("local:777/vm-777-disk-0.raw", Tag.Fifo, "the volume is a FIFO")));

            // The reproductions, point by point.
            foreach (var (enc, text) in new[] { ("form", "\n5"), ("json", " \r\n5"), ("form", "NaN"), ("form", " 5"), ("json", "5\n"), ("form", "\u0665") })
                yield return D(put, "node1", "101", enc, ("cpulimit", H(text, Tag.CtlLine | Tag.Ws | Tag.NaN, "not a strict number")));
            yield return D(post, "node1", "101", "form", ("cpulimit", H("\n5", Tag.CtlLine, "not a strict number")));
            yield return D(put, "node1", "101", "form", ("cores", H("2\n", Tag.CtlLine, "not a strict integer")));
            yield return D(put, "node1", "101", "form", ("boot", H("cdn", Tag.Legacy, null)));
            yield return D(put, "node1", "101", "form", ("boot", H("order=scsi0,order=net0", Tag.Dup, "duplicate key")));
            yield return D(put, "node1", "101", "form", ("bootdisk", H("scsi0", Tag.Legacy, null)));
            yield return D(create, "node1", null, "form", NewId(), ("scsi0", H("local:\u0661", Tag.UDigit, "Arabic-Indic digits")));
            yield return D(put, "node1", "101", "form", ("scsi1", H("local:101/vm-101-disk-7.qcow2", Tag.Missing, "no such volume")));
            yield return D(put, "node1", "101", "form",
                ("scsi1", H("local:9999/base-9999-disk-0.qcow2/101/vm-101-disk-5.qcow2", Tag.Missing, "no such volume")));
            yield return D(clone, "node1", "101", "form", ("newid", Val.Ok((id++).ToString())),
                ("target", H(FuzzMember.Offline, Tag.Offline, "a clone to the offline node")));
            yield return D(clone, "node3", "105", "form", ("newid", Val.Ok((id++).ToString())),
                ("target", H(FuzzMember.Offline, Tag.Offline, "a clone (shared disk) to the offline node")));
            yield return D(migrate, "node1", "101", "form", ("target", H(FuzzMember.Offline, Tag.Offline, "a migration to the offline node")));
            yield return D(create, FuzzMember.Offline, null, "form", NewId(), ("memory", Val.Ok("256")));
            var foreign = world.Upids("node1").LastOrDefault();
            if (foreign is not null)
            {
                var t = D(task, "node2", null, "query");
                t.PathValues["upid"] = H(foreign, Tag.WrongNode, "a node1 task asked under node2");
                yield return t;
                var a = D(abort, "node2", null, "query");
                a.PathValues["upid"] = H(foreign, Tag.WrongNode, "a node1 task stopped under node2");
                yield return a;
            }
        }
    }
}
