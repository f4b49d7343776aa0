namespace ActorMigration.Bench.Fuzz;

/// <summary>
/// The parameters each route takes (from the endpoint code and Proxmox's API), keyed by "METHOD pattern". A route
/// that is mapped but missing here is still fuzzed, with parameters drawn from all the others ("generic").
/// </summary>
internal static class ParamCatalog
{
    private const long IntMax = int.MaxValue;

    private static readonly string[] OsTypes = ["other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11", "l24", "l26", "solaris"];

    public static readonly P[] VmOptions =
    [
        new("name", Kind.Dns, MaxLen: 128), new("memory", Kind.Memory), new("cores", Kind.Int, Min: 1, Max: 8192),
        new("sockets", Kind.Int, Min: 1, Max: 4096), new("vcpus", Kind.Int, Min: 1, Max: 8192),
        new("cpu", Kind.Enum, Values: ["host", "kvm64", "qemu64", "x86-64-v2-AES", "Westmere,flags=+aes"]), new("ostype", Kind.Enum, Values: OsTypes),
        new("description", Kind.MultiText, MaxLen: 8192), new("tags", Kind.Tags, MaxLen: 1024), new("onboot", Kind.Bool),
        new("template", Kind.Bool), new("vmgenid", Kind.VmGenId), new("smbios1", Kind.Smbios, MaxLen: 512), new("boot", Kind.Boot, MaxLen: 256),
        new("bootdisk", Kind.DiskKey), new("machine", Kind.Machine), new("bios", Kind.Enum, Values: ["seabios", "ovmf"]),
        new("args", Kind.Text, MaxLen: 4096), new("scsihw", Kind.Enum, Values: ["lsi", "virtio-scsi-pci", "virtio-scsi-single", "megasas"]),
        new("agent", Kind.Text, MaxLen: 256), new("balloon", Kind.Int, Min: 0), new("kvm", Kind.Bool), new("acpi", Kind.Bool),
        new("numa", Kind.Bool), new("protection", Kind.Bool), new("tablet", Kind.Bool), new("localtime", Kind.Bool),
        new("startup", Kind.Text, MaxLen: 256), new("vga", Kind.Text, MaxLen: 256), new("keyboard", Kind.Text, MaxLen: 16),
        new("hotplug", Kind.Text, MaxLen: 256), new("cpulimit", Kind.Number, Min: 0, Max: 128),
        new("cpuunits", Kind.Int, Min: 1, Max: 262144), new("lock", Kind.Enum, Values: ["backup", "clone", "migrate", "snapshot"], Root: true),
        new("scsi0", Kind.Drive), new("scsi1", Kind.Drive), new("virtio0", Kind.Drive), new("sata0", Kind.Drive),
        new("efidisk0", Kind.Drive), new("unused0", Kind.Drive), new("ide2", Kind.CdRom), new("net0", Kind.Net), new("net1", Kind.Net),
        new("hostpci0", Kind.Text, MaxLen: 1024), new("serial0", Kind.Text, MaxLen: 1024), new("ipconfig0", Kind.Text, MaxLen: 1024),
        new("tpmstate0", Kind.Drive), new("arch", Kind.Enum, Values: ["x86_64", "aarch64"], Root: true),
        new("ciuser", Kind.Text, MaxLen: 256), new("cipassword", Kind.Text, MaxLen: 256), new("sshkeys", Kind.Text, MaxLen: 65536),
        new("nameserver", Kind.Text, MaxLen: 256), new("searchdomain", Kind.Text, MaxLen: 256), new("ciupgrade", Kind.Bool),
        new("citype", Kind.Enum, Values: ["nocloud", "configdrive2", "opennebula"]), new("cicustom", Kind.Text, MaxLen: 1024),
        new("migrate_downtime", Kind.Number, Min: 0), new("migrate_speed", Kind.Int, Min: 0),
    ];

    private static readonly P[] VmTaskOptions =
    [
        new("skiplock", Kind.Bool, Root: true), new("timeout", Kind.Int, Min: 0, Max: IntMax), new("keepActive", Kind.Bool, Root: true),
        new("overrule-shutdown", Kind.Bool), new("forceStop", Kind.Bool), new("machine", Kind.Machine), new("migratedfrom", Kind.Node, Root: true),
        new("migration_type", Kind.Enum, Values: ["secure", "insecure"], Root: true), new("migration_network", Kind.Text, Root: true),
        new("targetstorage", Kind.TargetStorage, Root: true), new("stateuri", Kind.Text, Root: true), new("force-cpu", Kind.Text, Root: true),
        new("with-conntrack-state", Kind.Bool, Root: true),
    ];

    private static readonly P[] ConfigEdit =
    [
        .. VmOptions, new("delete", Kind.Delete, MaxLen: 4096), new("revert", Kind.Delete, MaxLen: 4096), new("force", Kind.Bool),
        new("skiplock", Kind.Bool, Root: true), new("digest", Kind.Digest, MaxLen: 40),
    ];

    /// <summary>move_disk and move-disk (qmmove).</summary>
    private static readonly P[] MoveDisk =
    [
        new("disk", Kind.DiskKey, Required: true), new("storage", Kind.Storage), new("format", Kind.Enum, Values: ["raw", "qcow2", "vmdk"]),
        new("delete", Kind.Bool), new("digest", Kind.Digest, MaxLen: 40), new("target-digest", Kind.Digest, MaxLen: 40),
        new("target-vmid", Kind.VmId), new("target-disk", Kind.DiskKey), new("bwlimit", Kind.Int, Min: 0),
    ];

    public static readonly Dictionary<string, P[]> Routes = new()
    {
        ["GET /version"] = [],
        ["GET /nodes"] = [],
        ["GET /nodes/{node}"] = [],
        ["GET /nodes/{node}/status"] = [],
        ["GET /cluster/resources"] = [new("type", Kind.Enum, Values: ["vm", "storage", "node", "sdn"])],
        ["GET /cluster/nextid"] = [new("vmid", Kind.NewId)],
        ["GET /nodes/{node}/storage/{storage}/import-metadata"] = [new("volume", Kind.ImportManifest, Required: true, MaxLen: 1024)],
        ["GET /nodes/{node}/tasks"] =
        [
            new("start", Kind.Int, Min: 0, Max: IntMax), new("limit", Kind.Int, Min: 0, Max: IntMax), new("vmid", Kind.Int, Min: 100, Max: 999999999),
            new("typefilter", Kind.Text), new("userfilter", Kind.Text), new("errors", Kind.Bool),
            new("source", Kind.Enum, Values: ["archive", "active", "all"]), new("since", Kind.Int), new("until", Kind.Int), new("statusfilter", Kind.Text),
        ],
        ["GET /nodes/{node}/tasks/{upid}"] = [],
        ["GET /nodes/{node}/tasks/{upid}/status"] = [],
        ["GET /nodes/{node}/tasks/{upid}/log"] =
            [new("start", Kind.Int, Min: 0, Max: IntMax), new("limit", Kind.Int, Min: 0, Max: IntMax), new("download", Kind.Bool)],
        ["DELETE /nodes/{node}/tasks/{upid}"] = [],
        ["GET /nodes/{node}/qemu"] = [new("full", Kind.Bool)],
        ["POST /nodes/{node}/qemu"] =
        [
            new("vmid", Kind.NewId, Required: true), .. VmOptions, new("archive", Kind.Archive, MaxLen: 255), new("storage", Kind.Storage),
            new("pool", Kind.Text), new("start", Kind.Bool), new("ha-managed", Kind.Bool), new("bwlimit", Kind.Int, Min: 0),
                new("force", Kind.Bool, Root: true),
            new("unique", Kind.Bool), new("live-restore", Kind.Bool), new("import-working-storage", Kind.Storage),
            new("import-source", Kind.ImportManifest, MaxLen: 1024),
        ],
        ["GET /nodes/{node}/qemu/{vmid}"] = [],
        ["GET /nodes/{node}/qemu/{vmid}/config"] = [new("current", Kind.Bool), new("snapshot", Kind.SnapName)],
        ["PUT /nodes/{node}/qemu/{vmid}/config"] = ConfigEdit,
        ["POST /nodes/{node}/qemu/{vmid}/config"] =
            [.. ConfigEdit, new("background_delay", Kind.Int, Min: 1, Max: 30), new("import-working-storage", Kind.Storage)],
        ["GET /nodes/{node}/qemu/{vmid}/status"] = [],
        ["GET /nodes/{node}/qemu/{vmid}/status/current"] = [],
        ["POST /nodes/{node}/qemu/{vmid}/status/start"] = VmTaskOptions,
        ["POST /nodes/{node}/qemu/{vmid}/status/stop"] = VmTaskOptions,
        ["POST /nodes/{node}/qemu/{vmid}/status/shutdown"] = VmTaskOptions,
        ["DELETE /nodes/{node}/qemu/{vmid}"] =
            [new("purge", Kind.Bool), new("destroy-unreferenced-disks", Kind.Bool), new("skiplock", Kind.Bool, Root: true)],
        ["GET /nodes/{node}/qemu/{vmid}/migrate"] = [new("target", Kind.Node)],
        ["POST /nodes/{node}/qemu/{vmid}/migrate"] =
        [
            new("target", Kind.Node, Required: true), new("online", Kind.Bool), new("with-local-disks", Kind.Bool),
            new("targetstorage", Kind.TargetStorage, MaxLen: 1024), new("bwlimit", Kind.Int, Min: 0), new("force", Kind.Bool, Root: true),
            new("migration_type", Kind.Enum, Values: ["secure", "insecure"], Root: true), new("migration_network", Kind.Text, Root: true),
            new("with-conntrack-state", Kind.Bool),
            new("max-downtime", Kind.Number, Min: 0), new("post-copy", Kind.Bool),
        ],
        ["POST /nodes/{node}/qemu/{vmid}/clone"] =
        [
            new("newid", Kind.NewId, Required: true), new("name", Kind.Dns, MaxLen: 128), new("description", Kind.MultiText, MaxLen: 8192),
            new("full", Kind.Bool), new("target", Kind.Node), new("storage", Kind.Storage), new("format", Kind.Enum, Values: ["raw", "qcow2", "vmdk"]),
            new("snapname", Kind.SnapName), new("pool", Kind.Text), new("bwlimit", Kind.Int, Min: 0),
        ],
        ["POST /nodes/{node}/qemu/{vmid}/template"] = [new("disk", Kind.DiskKey)],
        ["GET /nodes/{node}/qemu/{vmid}/snapshot"] = [],
        ["POST /nodes/{node}/qemu/{vmid}/snapshot"] =
            [new("snapname", Kind.NewSnapName, Required: true), new("description", Kind.MultiText, MaxLen: 8192), new("vmstate", Kind.Bool)],
        ["GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}"] = [],
        ["GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config"] = [],
        ["POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback"] = [new("start", Kind.Bool)],
        ["DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}"] = [new("force", Kind.Bool)],
        ["POST /nodes/{node}/vzdump"] =
        [
            new("vmid", Kind.VmId, Required: true), new("storage", Kind.Storage, Required: true),
            new("mode", Kind.Enum, Values: ["snapshot", "suspend", "stop"]), new("compress", Kind.Enum, Values: ["0", "gzip", "lzo", "zstd"]),
            new("remove", Kind.Bool), new("notes-template", Kind.Text, MaxLen: 1024),
        ],
        // A stream: timeout (required here) ends it, or the fuzzer would wait for its end.
        ["GET /cluster/tasks/events"] =
        [
            new("timeout", Kind.Int, Required: true, Min: 1, Max: 2), new("since", Kind.Int, Min: 0), new("upid", Kind.Upid),
            new("node", Kind.Node), new("type", Kind.Text),
        ],
        // Storage, pools, cluster tasks (issue 17)
        ["GET /storage"] = [new("type", Kind.Enum, Values: ["dir", "nfs", "lvm"])],
        ["GET /nodes/{node}/storage"] =
        [
            new("storage", Kind.Storage), new("content", Kind.Enum, Values: ["images", "backup", "iso", "import", "images,backup"]),
            new("enabled", Kind.Bool), new("target", Kind.Node), new("format", Kind.Bool),
        ],
        ["GET /nodes/{node}/storage/{storage}/content"] =
            [new("content", Kind.Enum, Values: ["images", "backup", "iso", "import", "vztmpl"]), new("vmid", Kind.VmId)],
        ["POST /pools"] = [new("poolid", Kind.Text, Required: true, MaxLen: 64), new("comment", Kind.Text, MaxLen: 4096)],
        ["PUT /pools/{poolid}"] =
        [
            new("comment", Kind.Text, MaxLen: 4096), new("vms", Kind.Text), new("storage", Kind.Storage), new("delete", Kind.Bool),
            new("allow-move", Kind.Bool),
        ],
        ["POST /nodes/{node}/qemu/{vmid}/move_disk"] = MoveDisk,
        ["POST /nodes/{node}/qemu/{vmid}/move-disk"] = MoveDisk,
        // Issue 17: power actions, guest agent, unlink.
        ["POST /nodes/{node}/qemu/{vmid}/status/reboot"] = [new("timeout", Kind.Int, Min: 0, Max: IntMax)],
        ["POST /nodes/{node}/qemu/{vmid}/status/reset"] = [new("skiplock", Kind.Bool, Root: true)],
        ["POST /nodes/{node}/qemu/{vmid}/status/suspend"] =
            [new("skiplock", Kind.Bool, Root: true), new("todisk", Kind.Bool), new("statestorage", Kind.Storage)],
        ["POST /nodes/{node}/qemu/{vmid}/status/resume"] = [new("skiplock", Kind.Bool, Root: true), new("nocheck", Kind.Bool, Root: true)],
        ["GET /nodes/{node}/qemu/{vmid}/agent"] = [],
        ["POST /nodes/{node}/qemu/{vmid}/agent"] =
            [new("command", Kind.Enum, Required: true, Values: ["ping", "network-get-interfaces", "get-host-name", "info"])],
        ["POST /nodes/{node}/qemu/{vmid}/agent/ping"] = [],
        ["GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces"] = [],
        ["PUT /nodes/{node}/qemu/{vmid}/unlink"] = [new("idlist", Kind.DiskKey, Required: true), new("force", Kind.Bool)],
    };

    /// <summary>Every parameter any route takes, for routes the catalog does not know.</summary>
    public static readonly P[] Generic = Routes.Values.SelectMany(x => x).DistinctBy(p => p.Name).ToArray();

    /// <summary>A path parameter by its name in the route pattern.</summary>
    public static P PathParam(string name) => name switch
    {
        "node" => new P("node", Kind.Node, true),
        "vmid" => new P("vmid", Kind.VmId, true),
        "upid" => new P("upid", Kind.Upid, true),
        "snapname" => new P("snapname", Kind.SnapName, true),
        "storage" => new P("storage", Kind.Storage, true),
        _ => new P(name, Kind.Any, true),
    };
}
