
namespace ActorMigration.SystemTests.Copies;

/// <summary>qm template on real volumes: renamed base volumes, read-only files, and the refusals.</summary>
[Collection(Collections.Qemu)]
public sealed class TemplateTests(QemuMemberFixture f)
{
    private PveClient C => f.Client;

    [Fact]
    public async Task Template_renames_disks_to_base_volumes_and_makes_them_read_only()
    {
        var vmid = f.NextVmId();
        await C.CreateVm(vmid, ("scsi0", "local:1"), ("virtio1", "shared:1,format=raw"), ("net0", "virtio"));
        var before = await C.Config(vmid);
        var oldFiles = new[] { f.PathOf(before.Volid("scsi0")), f.PathOf(before.Volid("virtio1")) };

        var log = await C.Template(vmid);

        var cfg = await C.Config(vmid);
        Assert.Equal("1", cfg.Str("template"));
        Assert.Equal($"local:{vmid}/base-{vmid}-disk-0.qcow2", cfg.Volid("scsi0"));
        Assert.Equal($"shared:{vmid}/base-{vmid}-disk-0.raw", cfg.Volid("virtio1"));
        Assert.Contains(log, l => l.Contains($"renamed volume '{before.Volid("scsi0")}' to '{cfg.Volid("scsi0")}'"));
        Assert.All(oldFiles, p => Assert.False(File.Exists(p), $"{p} still there"));
        foreach (var drive in new[] { "scsi0", "virtio1" })
        {
            var file = f.PathOf(cfg.Volid(drive));
            Assert.True(File.Exists(file), file);
            var mode = File.GetUnixFileMode(file);
            Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        }
        Assert.Equal("qcow2", (await QemuHost.Info(f.PathOf(cfg.Volid("scsi0"))))["format"]!.ToString());
        Assert.Equal(1, (await C.Current(vmid))["template"]!.GetValue<int>());
    }

    [Fact]
    public async Task Template_of_one_disk_then_the_other_linked_clones_need_every_disk_to_be_a_base()
    {
        var vmid = f.NextVmId();
        await C.CreateVm(vmid, ("scsi0", "local:1"), ("scsi1", "local:1"));
        await C.Task(C.Post($"/nodes/node1/qemu/{vmid}/template", ("disk", "scsi1")));
        var cfg = await C.Config(vmid);
        Assert.Equal("1", cfg.Str("template"));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2", cfg.Volid("scsi0"));
        Assert.Equal($"local:{vmid}/base-{vmid}-disk-1.qcow2", cfg.Volid("scsi1"));

        // scsi0 is no base volume: no overlay may be put on a writable disk.
        Assert.Equal($"Linked clone feature is not supported for 'local:{vmid}/vm-{vmid}-disk-0.qcow2' (scsi0)",
            await C.RefusedNow(C.Post($"/nodes/node1/qemu/{vmid}/clone", ("newid", f.NextVmId().ToString()))));

        // disk=... on a template converts that disk too.
        await C.Task(C.Post($"/nodes/node1/qemu/{vmid}/template", ("disk", "scsi0")));
        Assert.Equal($"local:{vmid}/base-{vmid}-disk-0.qcow2", (await C.Config(vmid)).Volid("scsi0"));
        var clone = f.NextVmId();
        await C.Clone(vmid, clone);
        Assert.Equal($"local:{vmid}/base-{vmid}-disk-0.qcow2/{clone}/vm-{clone}-disk-0.qcow2", (await C.Config(clone)).Volid("scsi0"));
    }

    [Fact]
    public async Task Template_refusals_running_snapshots_already_a_template_and_start()
    {
        var running = f.NextVmId();
        await C.CreateVm(running, ("memory", "64"));
        await C.Start(running);
        try
        {
            Assert.Equal("you can't convert a VM to template if VM is running",
                await C.RefusedNow(C.Post($"/nodes/node1/qemu/{running}/template")));
        }
        finally
        {
            await C.Stop(running);
        }
        Assert.Null((await C.Config(running))["template"]);

        var snap = f.NextVmId();
        await C.CreateVm(snap, ("scsi0", "local:1"), ("memory", "64"));
        await C.Task(C.Post($"/nodes/node1/qemu/{snap}/snapshot", ("snapname", "s1")));
        Assert.Equal("unable to create template, because VM contains snapshots",
            await C.RefusedNow(C.Post($"/nodes/node1/qemu/{snap}/template")));
        // Running as well: the snapshots are named first, as in Proxmox.
        await C.Start(snap);
        try
        {
            Assert.Equal("unable to create template, because VM contains snapshots",
                await C.RefusedNow(C.Post($"/nodes/node1/qemu/{snap}/template")));
        }
        finally
        {
            await C.Stop(snap);
        }
        Assert.Equal($"local:{snap}/vm-{snap}-disk-0.qcow2", (await C.Config(snap)).Volid("scsi0"));
        Assert.True(File.Exists(f.PathOf($"local:{snap}/vm-{snap}-disk-0.qcow2")));

        var tpl = f.NextVmId();
        await C.CreateVm(tpl, ("scsi0", "local:1"));
        await C.Template(tpl);
        Assert.Equal("you can't convert a template to a template", await C.RefusedNow(C.Post($"/nodes/node1/qemu/{tpl}/template")));

        var start = await C.Refused(C.Post($"/nodes/node1/qemu/{tpl}/status/start"));
        Assert.Contains("you can't start a vm if it's a template", start);
        Assert.Null(QemuHost.QemuCommandLine(f.DataDir, "node1", tpl));
        Assert.Equal("stopped", (await C.Current(tpl)).Str("status"));
    }
}
