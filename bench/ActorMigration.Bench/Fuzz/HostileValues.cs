namespace ActorMigration.Bench.Fuzz;

/// <summary>
/// Hostile values that belong to a kind of parameter (a FIFO as an import source, a UPID of another node, ...).
/// Each says whether accepting it is wrong: "must refuse" only where Proxmox refuses or the issue asks for it.
/// </summary>
internal static class HostileValues
{
    private static Val H(string text, Tag tags, string? must) => new(text, tags, MustRefuse: must);

    /// <summary>A hostile value of the kind, or a generic mutation of the valid one when the kind has none.</summary>
    public static Val For(P p, GenContext c, Val valid, bool json)
    {
        var list = Candidates(p, c);
        return list.Count == 0 ? Mutations.Apply(p, c, valid, json) : c.Pick(list);
    }

    private static List<Val> Candidates(P p, GenContext c)
    {
        var other = c.World.PickVm(c.Rng, x => x.Node != c.Node);
        switch (p.Kind)
        {
            case Kind.Node:
                return
                [
                    H(FuzzMember.Offline, Tag.Offline, null), H("node9", Tag.Missing, "no such node"), H("NODE1", Tag.Format, "no such node"),
                    H("nöde1", Tag.Unicode, "no such node"), H("node1/../node2", Tag.Path, "no such node"), H("-node", Tag.Format, "no such node"),
                    H(new string('n', 300), Tag.Long, "no such node"), H("\u0661", Tag.UDigit, "no such node"),
                ];
            case Kind.VmId:
                return
                [
                    H("99", Tag.Range, "VM ids start at 100"), H("0", Tag.Range, "VM ids start at 100"), H("-101", Tag.Range, "negative VM id"),
                    H("1e3", Tag.Format, "not an integer"), H("\u0661\u0660\u0661", Tag.UDigit, "Arabic-Indic digits"),
                    H("\uff11\uff10\uff11", Tag.UDigit, "fullwidth digits"), H("99999999999", Tag.Huge, "VM id too large"),
                    H("9223372036854775808", Tag.Huge, "VM id too large"), H("101.0", Tag.Format, "not an integer"), H("0x65", Tag.Format, "not an integer"),
                    H(World.MissingVmId.ToString(), Tag.Missing, c.World.Vms.Any(v => v.VmId == World.MissingVmId) ? null : "no such VM"),
                        H((other?.VmId ?? 103).ToString(), Tag.WrongNode, other is null ? null : "the VM is on another node"),
                ];
            case Kind.NewId:
                var taken = c.World.Vms.Count > 0 ? c.Pick(c.World.Vms).VmId.ToString() : "101";
                return
                [
                    H(taken, Tag.Dup, "the VM id is taken"), H("99", Tag.Range, "VM ids start at 100"),
                        H("\u0662\u0660\u0660", Tag.UDigit, "Arabic-Indic digits"),
                    H("99999999999", Tag.Huge, "VM id too large"), H("1e3", Tag.Format, "not an integer"), H("2147483648", Tag.Huge, "VM id too large"),
                    H(HostileFiles.FifoImageVmId.ToString(), Tag.Fifo, null),
                ];
            case Kind.Memory:
                return
                [
                    H("\u0661\u0660\u0662\u0664", Tag.UDigit, "Arabic-Indic digits"), H("15", Tag.Range, "below 16 MiB"),
                        H("99999999999", Tag.Huge, "too large"),
                    H("NaN", Tag.NaN, "not a number"), H("1e3", Tag.Format, "not an integer"), H("current=\u0661", Tag.UDigit, "Arabic-Indic digits"),
                    H("current=512,current=1024", Tag.Dup, "duplicate key"), H("-512", Tag.Range, "negative"), H("512.5", Tag.Format, "not an integer"),
                ];
            case Kind.Drive:
                return Drive(p, c);
            case Kind.CdRom:
                return [.. HostileFiles.Isos.Select(f => H($"local:{f.VolName},media=cdrom", f.Tags, f.MustRefuse)),
                    H("local:iso/../../x.iso,media=cdrom", Tag.Escape, "path leaves the storage"), H("/etc/passwd,media=cdrom", Tag.Escape, "absolute path")];
            case Kind.Net:
                return
                [
                    H("virtio,bridge=vmbr0,tag=\u0661", Tag.UDigit, "Arabic-Indic digits"), H("virtio,bridge=vmbr0,rate=NaN", Tag.NaN, "not a number"),
                    H("virtio,bridge=vmbr0,mtu=99999999999", Tag.Huge, "MTU too large"), H("virtio,macaddr=ZZ:ZZ", Tag.Format, "bad MAC"),
                    H("nosuchmodel,bridge=vmbr0", Tag.Format, "unknown model"), H("virtio,bridge=vmbr0,bridge=vmbr1", Tag.Dup, "duplicate key"),
                    H("virtio,bridge=vmbr0,queues= 2", Tag.Ws, "whitespace in a number"), H("virtio,bridge=vmbr0,tag=-1", Tag.Range, "negative VLAN tag"),
                    H("virtio,bridge=vmbr0,firewall=2", Tag.Format, "not a boolean"),
                        H("virtio,bridge=vmbr0,rate=1e308", Tag.Huge, null) /* a number without maximum, as Proxmox */,
                ];
            case Kind.Boot:
                return
                [
                    H("cdn", Tag.Legacy, null), H("c", Tag.Legacy, null), H("order=scsi0,order=net0", Tag.Dup, "duplicate key"),
                    H("order=nosuch0", Tag.Format, "unknown boot device"), H("legacy=cdn", Tag.Legacy, null), H("order=scsi0;;net0", Tag.Format, null),
                ];
            case Kind.DiskKey:
                return p.Name == "bootdisk"
                    ? [H("scsi0", Tag.Legacy, null), H("nosuch", Tag.Format, "not a disk key"), H("scsi0,", Tag.Format, "not a disk key")]
                    : [H("nosuch", Tag.Format, "not a disk key"), H("scsi99", Tag.Missing, "the VM has no such disk")];
            case Kind.SnapName:
                return
                [
                    // Proxmox's snapshot index (GET …/snapshot/{snapname}) lists its subdirectories without looking the snapshot up.
                    H("nosuch", Tag.Missing, c.Draft.Route.Key == "GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}" ? null : "no such snapshot"),
                        H("1abc", Tag.Format, "snapshot names start with a letter"),
                    H(new string('a', 41), Tag.Long, "longer than 40"), H("snäp", Tag.Unicode, "not a config id"), H("../x", Tag.Path, "not a config id"),
                ];
            case Kind.NewSnapName:
                return [H("current", Tag.Format, "reserved name"), H("1abc", Tag.Format, "not a config id"),
                    H(new string('a', 41), Tag.Long, "longer than 40")];
            case Kind.Upid:
                var foreign = c.World.AllUpids.Where(u => u.Split(':')[1] != c.Node).ToList();
                var known = c.World.Upids(c.Node);
                var mine = known.Count > 0 ? c.Pick(known) : $"UPID:{c.Node}:00001234:00005678:65000000:qmstart:101:root@pam!admin:";
                return
                [
                    .. foreign.Count > 0 ? new[] { H(c.Pick(foreign), Tag.WrongNode, "a task of another node") } : [],
                    H($"UPID:{c.Node}:0000AAAA:0000BBBB:60000000:qmstart:101:root@pam:", Tag.Missing, "no such task"),
                    H($"UPID:{c.Node}", Tag.Format, "not a UPID"), H(mine.Replace(":0000", ":\u0660\u0660\u0660\u0660"), Tag.UDigit, "not a UPID"),
                    H($"UPID:{c.Node}:FFFFFFFFFFFFFFFFFFFF:0000BBBB:60000000:qmstart:101:root@pam:", Tag.Huge, "not a UPID"),
                    H(mine + ":extra:fields", Tag.Format, "not a UPID"),
                ];
            case Kind.ImportManifest:
                var prefix = p.Name == "volume" && c.Chance(0.5) ? "" : "local:";
                var creating = p.Name == "import-source";
                return
                [
                    .. HostileFiles.Manifests.Where(f => !f.Expensive).Select(f => H(prefix + f.VolName, f.Tags,
                        f.MustRefuse ?? (creating && (f.Tags & (Tag.Symlink | Tag.Huge)) != 0
                            ? "the import would read outside the storage or overflow" : null))),
                    H("local:import/../../etc/passwd.ovf", Tag.Escape, "path leaves the storage"), H(prefix + "import/x.txt", Tag.Format, "not a manifest"),
                    H("local:images/101/x.ovf", Tag.Format, "not an import volume"), H("shared:import/good.ovf", Tag.Missing, "no such manifest"),
                ];
            case Kind.Archive:
                return
                [
                    .. HostileFiles.Archives(c.World.ValidBackup).Skip(1).Where(f => !f.Expensive).Select(f => H("local:" + f.VolName, f.Tags, f.MustRefuse)),
                    H("local:backup/../../x.tar", Tag.Escape, "path leaves the storage"), H("local:backup/x.zip", Tag.Format, "not a backup"),
                    H("shared:" + c.World.ValidBackup, Tag.Missing, "no such archive"), H("extra:" + HostileFiles.HugeIdArchive, Tag.Huge, null),
                        H("/etc/passwd", Tag.Escape, "absolute path with a token"),
                ];
            case Kind.Delete:
                return
                [
                    H("nosuch", Tag.Format, "unknown option"), H("\uff43\uff50\uff55limit", Tag.Unicode, "unknown option"),
                        H("digest", Tag.Format, "not an option"),
                    H(string.Join(',', Enumerable.Repeat("tags", 800)), Tag.Long, null), H("scsi0;scsi0", Tag.Dup, null),
                ];
            case Kind.Digest:
                return [H(new string('a', 40), Tag.Format,
                    // The async update checks the digest inside its task, as Proxmox's worker does.
                    c.Draft.Route.Key == "POST /nodes/{node}/qemu/{vmid}/config" ? null : "digest mismatch"),
                        H(new string('0', 41), Tag.Long, "longer than 40")];
            case Kind.TargetStorage:
                return [H("nosuch", Tag.Missing, "no such storage"), H("local:nosuch", Tag.Missing, "no such storage"),
                    H("local:shared:x", Tag.Format, "bad storage map")];
            case Kind.Tags:
                return [H("a|b", Tag.Format, "not a tag"), H("a b\u00e9", Tag.Unicode, null), H("ok;-lead", Tag.Format, "not a tag")];
            case Kind.Smbios:
                return [H("uuid=zz", Tag.Format, "not a UUID"), H("manufacturer=\u0000x", Tag.Ctl, "control character")];
            case Kind.VmGenId:
                return [H("2", Tag.Format, "not a generation id"), H("zz", Tag.Format, "not a generation id")];
            case Kind.Machine:
                return [H("pc-q35-\u0661\u0660.\u0660", Tag.UDigit, "Arabic-Indic digits"), H("nosuch", Tag.Format, "unknown machine")];
            case Kind.Storage:
                // import-working-storage is a storage id by format; Proxmox looks it up only when an import uses it.
                return [H("nosuch", Tag.Missing, p.Name == "import-working-storage" ? null : "no such storage"),
                    H("LOCAL", Tag.Format, "no such storage"), H("../local", Tag.Path, "not a storage id"),
                    H("local:", Tag.Format, "not a storage id"), H(FuzzMember.ExtraStorage, Tag.Huge, null)];
            default:
                return [];
        }
    }

    private static List<Val> Drive(P p, GenContext c)
    {
        var list = new List<Val>
        {
            H("local:\u0661", Tag.UDigit, "Arabic-Indic digits"), H("local:\uff15", Tag.UDigit, "fullwidth digits"),
            H("local:99999999999", Tag.Huge, "size too large"), H("local:1e308", Tag.Huge, "size too large"), H("local:NaN", Tag.NaN, "not a size"),
            H("local:-1", Tag.Range, "negative size"), H("local:1,cache=none,cache=none", Tag.Dup, "duplicate key"),
            H("local:1,size=\u0661G", Tag.UDigit, "Arabic-Indic digits"), H("nosuch:1", Tag.Missing, "no such storage"),
            H("local:101/vm-101-disk-7.qcow2", Tag.Missing, "no such volume"),
            H("local:9999/base-9999-disk-0.qcow2/101/vm-101-disk-5.qcow2", Tag.Missing, "no such volume (base missing)"),
            H("local:iso/good.iso", Tag.Format, "an ISO as a disk"), H("local:777/vm-777-disk-0.raw", Tag.Fifo, "the volume is a FIFO"),
        };
        if (c.Creating && !p.Name.StartsWith("unused", StringComparison.Ordinal))
        {
            list.AddRange(HostileFiles.RawImages.Skip(1).Select(f => H($"local:0,import-from=local:{f.VolName}", f.Tags, f.MustRefuse)));
            list.Add(H("local:0,import-from=/etc/passwd", Tag.Escape, "absolute path with a token"));
            list.Add(H("local:0,import-from=local:import/../x.raw", Tag.Escape, "path leaves the storage"));
            list.Add(H("shared:0,import-from=shared:import/passwd-link.raw", Tag.Symlink, "the source is a symlink out of the storage"));
            list.Add(H("local:1,import-from=local:import/good.raw", Tag.Format, "import-from needs size 0"));
        }
        return list;
    }
}
