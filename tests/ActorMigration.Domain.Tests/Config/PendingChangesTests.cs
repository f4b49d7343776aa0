using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Domain.Tests.Config;

/// <summary>The [PENDING] rules of qemu-server (update_vm_api, vmconfig_apply_pending, vmconfig_hotplug_pending, cleanup_pending).</summary>
public sealed class PendingChangesTests
{
    private const string Base = "cores: 1\nmemory: 512\nname: web\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n"
                                + "scsi0: local:100/vm-100-disk-0.qcow2,size=4G\nvmgenid: 11111111-1111-1111-1111-111111111111\n";

    private static QmConfig Cfg(string text = Base) => QmConfig.ParseStrict(text);

    private static Dictionary<string, string> Set(params (string K, string V)[] kv) => kv.ToDictionary(x => x.K, x => x.V);

    private static QmConfig Edit(QmConfig cfg, ConfigEditMode mode, Dictionary<string, string>? set = null, string[]? delete = null, bool force = false)
    {
        PendingEdit.Apply(cfg, new EditVmConfig(100, "node1", set ?? [], delete ?? [], Mode: mode, Force: force));
        return QmConfig.ParseStrict(cfg.ToString());
    }

    [Fact]
    public void A_running_vms_edit_applies_fast_plug_keys_at_once_and_keeps_the_rest_pending()
    {
        var cfg = Edit(Cfg(), ConfigEditMode.Running, Set(("name", "db"), ("tags", "a;b"), ("memory", "1024"), ("cores", "2"),
            ("vmgenid", "22222222-2222-2222-2222-222222222222")), ["onboot", "cores"]);
        Assert.Equal("db", cfg["name"]);
        Assert.Equal("a;b", cfg["tags"]);
        Assert.Equal("512", cfg["memory"]);
        Assert.Equal("1024", cfg.Pending!["memory"]);
        Assert.Equal("22222222-2222-2222-2222-222222222222", cfg.Pending["vmgenid"]);
        // cores set then deleted in one request: Proxmox handles the deletes first, then the sets; the set wins.
        Assert.Equal("2", cfg.Pending["cores"]);
        Assert.Null(cfg.Pending["delete"]);
        Assert.Contains("[PENDING]\ncores: 2\nmemory: 1024\n", cfg.ToString());
    }

    [Fact]
    public void A_pending_delete_is_listed_with_its_force_flag_and_applied_at_the_next_start()
    {
        var cfg = Edit(Cfg(), ConfigEditMode.Running, delete: ["vmgenid", "name"]);
        Assert.Null(cfg["name"]);
        Assert.Equal("vmgenid", cfg.Pending!["delete"]);
        cfg = Edit(cfg, ConfigEditMode.Running, delete: ["memory"], force: true);
        Assert.Equal("vmgenid,!memory", cfg.Pending!["delete"]);
        Assert.Equal([("vmgenid", false), ("memory", true)], PendingChanges.Deletes(cfg));
        var items = PendingChanges.Items(cfg).ToDictionary(i => i.Key);
        Assert.Equal(1, items["vmgenid"].Delete);
        Assert.Equal(2, items["memory"].Delete);
        Assert.Equal("512", items["memory"].Value);
        Assert.Null(items["cores"].Delete);

        var started = Edit(cfg, ConfigEditMode.ApplyPending);
        Assert.Null(started.Pending);
        Assert.Null(started["vmgenid"]);
        Assert.Null(started["memory"]);
    }

    [Fact]
    public void A_stopped_vms_edit_applies_everything_pending_including_older_changes()
    {
        var cfg = Edit(Cfg(), ConfigEditMode.Running, Set(("memory", "2048")));
        cfg = Edit(cfg, ConfigEditMode.Stopped, Set(("cores", "4")));
        Assert.Null(cfg.Pending);
        Assert.Equal(("2048", "4"), (cfg["memory"], cfg["cores"]));
    }

    [Fact]
    public void A_pending_value_equal_to_the_current_one_and_a_delete_of_an_unset_key_are_dropped()
    {
        var cfg = Edit(Cfg(), ConfigEditMode.Running, Set(("memory", "1024")));
        cfg = Edit(cfg, ConfigEditMode.Running, Set(("memory", "512")));
        Assert.Null(cfg.Pending);
        var warnings = PendingChanges.Stage(cfg, Set(), ["balloon"], false);
        Assert.Equal(["cannot delete 'balloon' - not set in current configuration!"], warnings);
        Assert.Null(cfg.Pending);
    }

    [Fact]
    public void Get_config_without_current_shows_pending_values_and_hides_pending_deletes()
    {
        // Without network hot-plug a new NIC of a running VM is pending too.
        var cfg = Edit(Cfg(Base + "hotplug: disk\n"), ConfigEditMode.Running, Set(("memory", "1024"), ("net1", "virtio=BC:24:11:00:00:02,bridge=vmbr0")),
            ["vmgenid"]);
        var shown = PendingChanges.WithPending(cfg);
        Assert.Equal("1024", shown["memory"]);
        Assert.Equal("virtio=BC:24:11:00:00:02,bridge=vmbr0", shown["net1"]);
        Assert.Null(shown["vmgenid"]);
        Assert.Equal("512", cfg["memory"]);
        var items = PendingChanges.Items(cfg).ToDictionary(i => i.Key);
        Assert.Equal(new PendingItem("net1", null, "virtio=BC:24:11:00:00:02,bridge=vmbr0", null), items["net1"]);
        Assert.Equal(new PendingItem("memory", "512", "1024", null), items["memory"]);
    }

    [Fact]
    public void A_new_scsi_disk_is_applied_live_with_disk_hotplug_and_a_sata_disk_or_hotplug_0_waits()
    {
        const string newDisk = "local:100/vm-100-disk-1.qcow2,size=1G";
        var cfg = Edit(Cfg(), ConfigEditMode.Running, Set(("scsi1", newDisk), ("sata0", "local:100/vm-100-disk-2.qcow2,size=1G")));
        Assert.Equal(newDisk, cfg["scsi1"]);
        Assert.Equal("local:100/vm-100-disk-2.qcow2,size=1G", cfg.Pending!["sata0"]);

        var off = Edit(Cfg(Base + "hotplug: 0\n"), ConfigEditMode.Running, Set(("scsi1", newDisk)));
        Assert.Equal(newDisk, off.Pending!["scsi1"]);
        Assert.Null(off["scsi1"]);
    }

    [Fact]
    public void A_replaced_or_deleted_disk_becomes_unused_when_the_change_is_applied()
    {
        var cfg = Edit(Cfg(), ConfigEditMode.Running, Set(("scsi0", "local:100/vm-100-disk-1.qcow2,size=8G")));
        // Another volume needs a re-plug: pending while the VM runs.
        Assert.Equal("local:100/vm-100-disk-0.qcow2,size=4G", cfg["scsi0"]);
        Assert.Null(cfg["unused0"]);
        var started = Edit(cfg, ConfigEditMode.ApplyPending);
        Assert.Equal("local:100/vm-100-disk-1.qcow2,size=8G", started["scsi0"]);
        Assert.Equal("local:100/vm-100-disk-0.qcow2", started["unused0"]);

        var deleted = Edit(Cfg(), ConfigEditMode.Stopped, delete: ["scsi0"]);
        Assert.Null(deleted["scsi0"]);
        Assert.Equal("local:100/vm-100-disk-0.qcow2", deleted["unused0"]);
    }

    [Fact]
    public void A_pending_disk_replaced_again_keeps_the_first_pending_volume_as_unused()
    {
        var cfg = Edit(Cfg(Base + "hotplug: 0\n"), ConfigEditMode.Running, Set(("scsi1", "local:100/vm-100-disk-1.qcow2,size=1G")));
        cfg = Edit(cfg, ConfigEditMode.Running, Set(("scsi1", "local:100/vm-100-disk-2.qcow2,size=1G")));
        Assert.Equal("local:100/vm-100-disk-1.qcow2", cfg["unused0"]);
        Assert.Equal("local:100/vm-100-disk-2.qcow2,size=1G", cfg.Pending!["scsi1"]);
    }

    [Fact]
    public void A_new_nic_applies_live_with_network_hot_plug_a_changed_one_waits_for_the_next_start()
    {
        var cfg = Cfg();
        Assert.True(PendingChanges.CanApplyLive(cfg, null, "net1", "virtio=BC:24:11:00:00:02,bridge=vmbr0"));
        Assert.True(PendingChanges.CanApplyLive(cfg, "network", "net1", "e1000=BC:24:11:00:00:02"));
        Assert.False(PendingChanges.CanApplyLive(cfg, "disk,usb", "net1", "virtio=BC:24:11:00:00:02,bridge=vmbr0"));
        Assert.False(PendingChanges.CanApplyLive(cfg, "0", "net1", "virtio=BC:24:11:00:00:02,bridge=vmbr0"));
        Assert.False(PendingChanges.CanApplyLive(cfg, null, "net1", null));
        Assert.False(PendingChanges.CanApplyLive(cfg, null, "net0", "virtio=BC:24:11:00:00:01,bridge=vmbr1"));
        Assert.Equal(["net1", "net2"], VmTaskMachine.PlugsNics(cfg, new Dictionary<string, string>
        {
            ["net2"] = "virtio,bridge=vmbr0", ["net0"] = "virtio,bridge=vmbr1", ["net1"] = "virtio,bridge=vmbr0", ["memory"] = "1024",
        }));
        Assert.Empty(VmTaskMachine.PlugsNics(Cfg(Base + "hotplug: disk\n"), new Dictionary<string, string> { ["net1"] = "virtio" }));
    }

    [Fact]
    public void Option_changes_of_a_disk_apply_live_only_when_no_replug_is_needed()
    {
        var cfg = Cfg();
        Assert.True(PendingChanges.CanApplyLive(cfg, null, "scsi0", "local:100/vm-100-disk-0.qcow2,backup=0,size=4G"));
        Assert.False(PendingChanges.CanApplyLive(cfg, null, "scsi0", "local:100/vm-100-disk-0.qcow2,cache=writeback,size=4G"));
        Assert.False(PendingChanges.CanApplyLive(cfg, null, "memory", "1024"));
        Assert.True(PendingChanges.CanApplyLive(cfg, null, "hotplug", "network,disk"));
        Assert.False(PendingChanges.CanApplyLive(cfg, null, "hotplug", "network,memory"));
        Assert.False(PendingChanges.CanApplyLive(cfg, "memory,disk", "hotplug", "1"));
    }

    [Fact]
    public void A_pending_description_goes_through_pending_and_is_fast_plugged()
    {
        var cfg = Edit(Cfg(), ConfigEditMode.Running, Set(("description", "new notes")));
        Assert.Equal("new notes", cfg.Main.Description);
        Assert.Null(cfg.Pending);
    }

    [Theory]
    [InlineData("b,a;c a", "a;b;c")]
    [InlineData("Prod prod dev", "dev;Prod")]
    [InlineData("  z  ", "z")]
    [InlineData("", "")]
    [InlineData("web;web;db", "db;web")]
    public void Tags_are_split_deduplicated_ignoring_case_sorted_and_joined_with_semicolons(string sent, string stored)
    {
        Assert.Null(Tags.Check(sent));
        Assert.Equal(stored, Tags.Normalize(sent));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("-lead")]
    [InlineData("ok;b@d")]
    [InlineData("t\u00e4g")]
    public void A_bad_tag_is_refused_with_proxmoxs_text(string sent) => Assert.Equal("invalid characters in tag", Tags.Check(sent));

    [Theory]
    [InlineData("0", false, false)]
    [InlineData("1", true, true)]
    [InlineData("network,disk,usb", true, true)]
    [InlineData("network", true, false)]
    public void Hotplug_features_parse_as_proxmox(string value, bool network, bool disk)
    {
        Assert.Null(HotplugFeatures.Check(value, out var f));
        Assert.Equal((network, disk), (f.Network, f.Disk));
        Assert.Equal("invalid hotplug feature 'gpu'", HotplugFeatures.Check("disk,gpu", out _));
    }
}
