namespace ActorMigration.Bench.Fuzz;

/// <summary>Where a value is drawn: the request's node and VM, whether it creates a VM, the encoding.</summary>
internal sealed class GenContext(Random rng, World world, Draft draft)
{
    public Random Rng { get; } = rng;
    public World World { get; } = world;
    public Draft Draft { get; } = draft;
    public string Node { get; set; } = "node1";
    public VmView? Vm { get; set; }
    public bool Creating => Draft.Route.Key == "POST /nodes/{node}/qemu";
    public bool Json => Draft.Encoding == "json";

    public T Pick<T>(IReadOnlyList<T> xs) => xs[Rng.Next(xs.Count)];

    public bool Chance(double p) => Rng.NextDouble() < p;
}

/// <summary>Values a correct client would send, drawn from what exists now.</summary>
internal static class ValidValues
{
    public static Val For(P p, GenContext c)
    {
        var r = c.Rng;
        switch (p.Kind)
        {
            case Kind.Node:
                if (p.Name == "node") return Val.Ok(c.Node);
                var others = FuzzMember.Hosted.Where(n => n != c.Node).ToList();
                return Val.Ok(c.Pick(others));
            case Kind.VmId:
                var vm = p.Name == "vmid" && c.Draft.Route.PathParams.Contains("vmid") ? c.Vm : c.World.PickVm(r, v => v.Node == c.Node) ?? c.Vm;
                return Val.Ok((vm?.VmId ?? 101).ToString());
            case Kind.NewId:
                return Val.Ok(c.World.FreeId(r).ToString());
            case Kind.Int:
                var lo = Math.Max(p.Min, 0);
                var hi = Math.Min(p.Max, lo + 100);
                if (p.Name is "since" or "until") return Val.Ok((DateTimeOffset.UtcNow.ToUnixTimeSeconds() - r.Next(0, 3600)).ToString());
                if (p.Name == "timeout") return Val.Ok(r.Next(5, 60).ToString());
                if (p.Name == "bwlimit") return Val.Ok(r.Next(0, 2) == 0 ? "0" : r.Next(1000, 1_000_000).ToString());
                return Val.Ok(r.NextInt64(lo, hi + 1).ToString());
            case Kind.Bool:
                var b = r.Next(2);
                return c.Json && c.Chance(0.3) ? new Val(b.ToString(), Tag.JsonScalar, b == 1 ? "true" : "false") : Val.Ok(b.ToString());
            case Kind.Number:
                return Val.Ok(c.Pick(["0", "1", "1.5", "2", "0.25", "64"]));
            case Kind.Enum:
                return Val.Ok(c.Pick(p.Values!));
            case Kind.Text:
                return Val.Ok(p.Name switch
                {
                    "agent" => c.Pick(["1", "0", "enabled=1,fstrim_cloned_disks=1"]),
                    "startup" => "order=1,up=10",
                    "vga" => c.Pick(["std", "virtio", "qxl"]),
                    "keyboard" => "en-us",
                    "hotplug" => "network,disk,usb",
                    "args" => "-no-reboot",
                    "hostpci0" => "0000:01:00.0",
                    "serial0" => "socket",
                    "ipconfig0" => "ip=dhcp",
                    "userfilter" => "root",
                    "typefilter" => c.Pick(["qmcreate", "qmstart", "qmigrate", "qmclone", "vzdump"]),
                    "statusfilter" => "ok",
                    "pool" => "pool1",
                    "migration_network" => "10.0.0.0/24",
                    "notes-template" => "{{guestname}}",
                    _ => $"fuzz{r.Next(1000)}",
                });
            case Kind.MultiText:
                return Val.Ok(c.Pick(["a note", "line one\nline two", "tabs\tare\tfine", "ünïcödé text"]));
            case Kind.Dns:
                return Val.Ok($"vm{r.Next(1000)}.fuzz");
            case Kind.Storage:
                return Val.Ok(c.Chance(0.8) ? "local" : "shared");
            case Kind.Memory:
                return Val.Ok(c.Pick(["128", "512", "1024", "2048", "current=256"]));
            case Kind.Drive:
                return Drive(p, c);
            case Kind.CdRom:
                return Val.Ok(c.Pick(["none,media=cdrom", "cdrom", "local:iso/good.iso,media=cdrom"]));
            case Kind.Net:
                return Val.Ok(c.Pick(["virtio,bridge=vmbr0", "e1000,bridge=vmbr0,firewall=1",
                    $"virtio=BC:24:11:{r.Next(16, 255):X2}:{r.Next(16, 255):X2}:{r.Next(16, 255):X2},bridge=vmbr0", "virtio,bridge=vmbr0,tag=10,rate=12.5"]));
            case Kind.Boot:
                return Val.Ok(c.Pick(["order=scsi0;net0", "order=scsi0", "order=ide2;scsi0;net0"]));
            case Kind.SnapName:
                return Val.Ok(c.Vm is { Snapshots.Count: > 0 } v ? c.Pick(v.Snapshots) : "snap1");
            case Kind.NewSnapName:
                return Val.Ok($"s{r.Next(100000)}");
            case Kind.Upid:
                var upids = c.World.Upids(c.Node);
                return Val.Ok(upids.Count > 0 ? c.Pick(upids) : $"UPID:{c.Node}:00001234:00005678:65000000:qmstart:101:root@pam!admin:");
            case Kind.ImportManifest:
                return Val.Ok(p.Name == "volume" && c.Chance(0.5) ? "import/good.ovf" : "local:import/good.ovf");
            case Kind.Archive:
                return Val.Ok("local:" + c.World.ValidBackup);
            case Kind.Delete:
                var keys = c.Vm?.Config.Keys.Where(k =>
                    k is "tags" or "cpulimit" or "description" or "net1" or "ide2" or "onboot" or "balloon" or "agent" or "vga").ToList() ?? [];
                return Val.Ok(keys.Count == 0 ? "onboot" : string.Join(c.Pick([",", ";"]), keys.OrderBy(_ => r.Next()).Take(r.Next(1, 3))));
            case Kind.Digest:
                return Val.Ok(c.Vm?.Digest ?? new string('0', 40));
            case Kind.TargetStorage:
                return Val.Ok(c.Pick(["local", "local:shared", "1", "shared:local"]));
            case Kind.Tags:
                return Val.Ok(c.Pick(["web", "a;b", "prod;db", "x-1"]));
            case Kind.Smbios:
                return Val.Ok($"uuid={Guid.NewGuid()}");
            case Kind.VmGenId:
                return Val.Ok(c.Pick(["1", "0", Guid.NewGuid().ToString()]));
            case Kind.Machine:
                return Val.Ok(c.Pick(["q35", "pc", "pc-i440fx-8.1", "pc-q35-9.0"]));
            case Kind.DiskKey:
                return Val.Ok(c.Vm?.Disks.Select(d => d.Key).FirstOrDefault() ?? "scsi0");
            default:
                return Val.Ok($"x{r.Next(100)}");
        }
    }

    /// <summary>New disks when creating; otherwise a volume the VM already has (its own disk with other options, or none).</summary>
    private static Val Drive(P p, GenContext c)
    {
        if (p.Name.StartsWith("unused", StringComparison.Ordinal))
            return Val.Ok(c.Vm?.Config.Where(kv => kv.Key.StartsWith("unused", StringComparison.Ordinal)).Select(kv => kv.Value).FirstOrDefault()
                          ?? c.Vm?.Disks.Select(d => d.Value.Split(',')[0]).FirstOrDefault() ?? "local:101/vm-101-disk-0.qcow2");
        if (c.Creating)
            return Val.Ok(p.Name == "efidisk0"
                ? "local:1,efitype=4m"
                : c.Pick(["local:1", "local:1,format=raw", "shared:1", "local:2,cache=writeback,discard=on", "local:0,import-from=local:import/good.raw"]));
        if (c.Vm?.Config.TryGetValue(p.Name, out var own) == true && !own.Contains("media=cdrom"))
            return Val.Ok(own.Split(',')[0] + c.Pick([",cache=none", ",discard=on", ",iothread=1", ",ssd=1", ""]));
        return Val.Ok(p.Name.StartsWith("scsi", StringComparison.Ordinal) || p.Name.StartsWith("sata", StringComparison.Ordinal) ? "none" : "none,media=cdrom");
    }
}
