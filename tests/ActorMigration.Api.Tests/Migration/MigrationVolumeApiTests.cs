using System.Net;

namespace ActorMigration.Api.Tests.Migration;

/// <summary>
/// A member whose storage.cfg has a second id (<c>alias</c>) on the directory of <c>local</c>, and whose simulated driver
/// fails the first delete of an existing volume of VM <see cref="FailingDeleteVmId"/>.
/// </summary>
public sealed class VolumeServerFixture : IAsyncLifetime
{
    public const int FailingDeleteVmId = 990;
    public InProcessServer Server { get; private set; } = null!;
    public PveClient Client => Server.Client;
    private int _nextVmid = 300;

    public int NextVmId() => Interlocked.Increment(ref _nextVmid);

    public async Task InitializeAsync()
    {
        var dataDir = Repo.TempDir("am-test");
        var local = Path.Combine(dataDir, "nodes", "{node}", "local");
        File.WriteAllText(Path.Combine(dataDir, "storage.cfg"),
            $"dir: local\n\tpath {local}\n\tcontent images,iso,import,backup\n\n" +
            $"dir: shared\n\tpath {Path.Combine(dataDir, "shared")}\n\tcontent images,iso,import,backup\n\tshared 1\n\n" +
            $"dir: alias\n\tpath {local}\n\tcontent images\n");
        Server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["AM_SIM_FAULTS"] = $"delete-volumes@{FailingDeleteVmId}*1" }, dataDir);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Sizes from the volume, unused disks, snapshots, refusals and cleanup, through the API on the simulated driver.</summary>
public sealed class MigrationVolumeApiTests(VolumeServerFixture f) : IClassFixture<VolumeServerFixture>
{
    private PveClient C => f.Client;

    private string VolumeFile(string node, int vmid, string name) =>
        Path.Combine(f.Server.DataDir, "nodes", node, "local", "images", vmid.ToString(), name);

    private async Task<int> CreateVm(int? vmid = null, params (string, string)[] extra)
    {
        var id = vmid ?? f.NextVmId();
        var form = new List<(string, string)> { ("vmid", id.ToString()), ("memory", "512") };
        form.AddRange(extra);
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", form.ToArray()))));
        return id;
    }

    private async Task Set(int vmid, params (string, string)[] values)
    {
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/config", values);
        Assert.True(r.Status == HttpStatusCode.OK, r.Body);
        if (r.Data?.GetValueKind() == System.Text.Json.JsonValueKind.String) Assert.Equal("OK", await C.Wait(r.Data.GetValue<string>()));
    }

    private async Task<string?> Cfg(string node, int vmid, string key) =>
        (await C.Get($"/nodes/{node}/qemu/{vmid}/config")).Data?[key]?.GetValue<string>();

    [Fact]
    public async Task Offline_migration_takes_sizes_from_the_volumes_and_copies_unused_disks_and_snapshots()
    {
        // scsi0 1G with a stale size=123T, scsi1 2G detached (unused0), scsi2 3G re-attached without size=, and a snapshot.
        var vmid = await CreateVm(null, ("scsi0", "local:1"), ("scsi1", "local:2"), ("scsi2", "local:3"));
        await Set(vmid, ("delete", "scsi1"));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2", await Cfg("node1", vmid, "unused0"));
        await Set(vmid, ("scsi0", $"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=123T"));
        await Set(vmid, ("delete", "scsi2"));
        await Set(vmid, ("scsi2", $"local:{vmid}/vm-{vmid}-disk-2.qcow2"), ("delete", "unused1"));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "s1")))));

        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        Assert.Equal("OK", await C.Wait(upid));
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.EndsWith($"drive 'scsi0': size of disk 'local:{vmid}/vm-{vmid}-disk-0.qcow2' updated from 123T to 1G"));
        Assert.Contains(log, l => l.EndsWith($"drive 'scsi2': size of disk 'local:{vmid}/vm-{vmid}-disk-2.qcow2' updated from 0T to 3G"));
        Assert.Contains(log, l => l.EndsWith($"found local disk 'local:{vmid}/vm-{vmid}-disk-1.qcow2' (unused)"));

        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", await Cfg("node2", vmid, "scsi0"));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-2.qcow2,size=3G", await Cfg("node2", vmid, "scsi2"));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2", await Cfg("node2", vmid, "unused0"));
        foreach (var n in new[] { 0, 1, 2 })
        {
            Assert.True(File.Exists(VolumeFile("node2", vmid, $"vm-{vmid}-disk-{n}.qcow2")));
            Assert.False(File.Exists(VolumeFile("node1", vmid, $"vm-{vmid}-disk-{n}.qcow2")));
        }
        // the snapshot moved with the config and with the volumes (the simulated qcow2's metadata)
        var snaps = await C.Get($"/nodes/node2/qemu/{vmid}/snapshot");
        Assert.Contains("\"name\":\"s1\"", snaps.Body);
        var meta = File.ReadAllText(Path.Combine(f.Server.DataDir, "nodes", "node2", "local", ".sim", "images", vmid.ToString(),
            $"vm-{vmid}-disk-0.qcow2.json"));
        Assert.Contains("\"s1\"", meta);
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/snapshot/s1/rollback"))));
    }

    [Fact]
    public async Task Precondition_reports_the_volumes_own_size()
    {
        var vmid = await CreateVm(null, ("scsi0", "local:1"));
        await Set(vmid, ("scsi0", $"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=123T"));
        var r = await C.Get($"/nodes/node1/qemu/{vmid}/migrate");
        var disk = r.Data!["local_disks"]!.AsArray().Single()!;
        Assert.Equal(1L << 30, disk["size"]!.GetValue<long>());
    }

    [Fact]
    public async Task Live_migration_copies_an_unused_disk_beside_the_mirror()
    {
        var vmid = await CreateVm(null, ("scsi0", "local:1"), ("scsi1", "local:1"));
        await Set(vmid, ("delete", "scsi1"));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
        Assert.Equal("OK", await C.Wait(upid));
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.EndsWith($"volume 'local:{vmid}/vm-{vmid}-disk-1.qcow2' copied to 'local:{vmid}/vm-{vmid}-disk-1.qcow2' on node 'node2'"));
        Assert.DoesNotContain(log, l => l.Contains("scsi1") || l.Contains("unused0: start migration"));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2", await Cfg("node2", vmid, "unused0"));
        Assert.True(File.Exists(VolumeFile("node2", vmid, $"vm-{vmid}-disk-1.qcow2")));
    }

    [Fact]
    public async Task Live_migration_of_local_disks_with_snapshots_is_refused()
    {
        var vmid = await CreateVm(null, ("scsi0", "local:1"));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "s1")))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal($"can't migrate local disk 'local:{vmid}/vm-{vmid}-disk-0.qcow2': online storage migration not possible if non-replicated snapshot exists",
            r.Message!.TrimEnd());
    }

    [Fact]
    public async Task Aliased_volumes_and_a_physical_cd_drive_are_refused()
    {
        var vmid = await CreateVm(null, ("scsi0", "local:1"));
        await Set(vmid, ("unused0", $"alias:{vmid}/vm-{vmid}-disk-0.qcow2"));
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal($"Problem found while scanning volumes - detected not supported aliased volumes: 'alias:{vmid}/vm-{vmid}-disk-0.qcow2', " +
            $"'local:{vmid}/vm-{vmid}-disk-0.qcow2'",
            r.Message!.TrimEnd());
        Assert.True(File.Exists(VolumeFile("node1", vmid, $"vm-{vmid}-disk-0.qcow2")));

        var cd = await CreateVm(null, ("ide2", "cdrom,media=cdrom"));
        var r2 = await C.Post($"/nodes/node1/qemu/{cd}/migrate", ("target", "node2"));
        Assert.Equal(HttpStatusCode.InternalServerError, r2.Status);
        Assert.Equal("can't migrate local cdrom drive", r2.Message!.TrimEnd());
    }

    [Fact]
    public async Task A_failed_source_delete_is_logged_and_the_others_go_on_ending_with_migration_problems()
    {
        var vmid = await CreateVm(VolumeServerFixture.FailingDeleteVmId, ("scsi0", "local:1"), ("scsi1", "local:1"));
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        Assert.Equal("migration problems", await C.Wait(upid));
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.Contains($"ERROR: removing local copy of 'local:{vmid}/vm-{vmid}-disk-0.qcow2' failed - "));
        Assert.Contains(log, l => l.EndsWith($"removed source volume 'local:{vmid}/vm-{vmid}-disk-1.qcow2'"));
        Assert.Equal("TASK ERROR: migration problems", log[^1]);
        // the VM is migrated; the volume that could not be removed stays behind, the other is gone
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", await Cfg("node2", vmid, "scsi0"));
        Assert.Null(await Cfg("node2", vmid, "lock"));
        Assert.True(File.Exists(VolumeFile("node1", vmid, $"vm-{vmid}-disk-0.qcow2")));
        Assert.False(File.Exists(VolumeFile("node1", vmid, $"vm-{vmid}-disk-1.qcow2")));
    }
}
