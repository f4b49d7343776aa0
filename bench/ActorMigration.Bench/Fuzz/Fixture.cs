namespace ActorMigration.Bench.Fuzz;

/// <summary>
/// Reference VMs the fuzzer aims at: 101 (qcow2 disk, NIC, CD-ROM, a snapshot, a backup), 102 (running, raw disk),
/// 103 on node2 (two disks, two NICs), 9000 (template) with its linked clone 104, 105 on node3 (shared storage).
/// </summary>
internal static class Fixture
{
    public static readonly int[] Ids = [101, 102, 103, 104, 105, 9000];

    /// <summary>Creates the VMs and returns the valid backup's volume name (backup/vzdump-qemu-101-….tar).</summary>
    public static async Task<string> Create(FuzzMember m, World w)
    {
        var post = HttpMethod.Post;
        async Task Run(HttpMethod method, string path, params (string, string)[] form) => w.AddUpid(await m.RunTask(method, path, form));
        await Run(post, "/nodes/node1/qemu", ("vmid", "101"), ("name", "web1"), ("memory", "512"), ("scsi0", "local:1"),
            ("net0", "virtio,bridge=vmbr0"), ("ide2", "none,media=cdrom"), ("ostype", "l26"), ("tags", "web"));
        await Run(post, "/nodes/node1/qemu", ("vmid", "102"), ("name", "db1"), ("memory", "256"), ("scsi0", "local:1,format=raw"),
            ("net0", "e1000,bridge=vmbr0"));
        await Run(post, "/nodes/node2/qemu", ("vmid", "103"), ("memory", "256"), ("scsi0", "local:1"), ("virtio0", "local:1,format=raw"),
            ("net0", "virtio,bridge=vmbr0"), ("net1", "e1000,bridge=vmbr0"), ("cpulimit", "2"));
        await Run(post, "/nodes/node1/qemu", ("vmid", "9000"), ("name", "tmpl"), ("memory", "256"), ("scsi0", "local:1"), ("net0", "virtio,bridge=vmbr0"));
        await Run(post, "/nodes/node1/qemu/9000/template");
        await Run(post, "/nodes/node1/qemu/9000/clone", ("newid", "104"), ("name", "linked"));
        await Run(post, "/nodes/node3/qemu", ("vmid", "105"), ("memory", "256"), ("scsi0", "shared:1"), ("net0", "virtio,bridge=vmbr0"));
        await Run(post, "/nodes/node1/vzdump", ("vmid", "101"), ("storage", "local"));
        await Run(post, "/nodes/node1/qemu/101/snapshot", ("snapname", "snap1"), ("description", "fixture"));
        await Run(post, "/nodes/node1/qemu/102/status/start");
        // The pool valid create and clone requests name (ValidValues: pool1).
        await m.Call(post, "/pools", ("poolid", "pool1"));
        var dump = Path.Combine(m.DataDir, "nodes", "node1", "local", "dump");
        var archive = Directory.GetFiles(dump, "vzdump-qemu-101-*.tar").Single();
        return "backup/" + Path.GetFileName(archive);
    }

    /// <summary>Brings back a destroyed reference VM in a simple form (housekeeping, not counted as input).</summary>
    public static async Task Restore(FuzzMember m, int vmid)
    {
        if (vmid is 104 or 9000) return;
        var a = await m.Call(HttpMethod.Post, "/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "256"), ("scsi0", "local:1"),
            ("net0", "virtio,bridge=vmbr0"));
        if (FuzzMember.IsUpid(a.DataString)) await m.WaitTask(a.DataString!, TimeSpan.FromSeconds(30));
    }
}
