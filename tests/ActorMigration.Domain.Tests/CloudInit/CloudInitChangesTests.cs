using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Tests.CloudInit;

/// <summary>qemu-server's [special:cloudinit] section: cloudinit_record_changed, cloudinit_pending and apply_cloudinit_config.</summary>
public sealed class CloudInitChangesTests
{
    private const string Base = "ciuser: admin\nide2: local:100/vm-100-cloudinit.qcow2,media=cdrom\nipconfig0: ip=dhcp\nmemory: 512\n" +
                                "name: web\nnameserver: 10.0.0.53\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n";

    private static QmConfig Running(QmConfig cfg, Dictionary<string, string> set, params string[] delete)
    {
        PendingEdit.Apply(cfg, new EditVmConfig(100, "node1", set, delete, Mode: ConfigEditMode.Running));
        return QmConfig.ParseStrict(cfg.ToString());
    }

    [Fact]
    public void A_running_vms_cloud_init_edit_is_applied_at_once_and_records_what_the_image_has()
    {
        var cfg = Running(QmConfig.ParseStrict(Base), new() { ["ciuser"] = "ops", ["ipconfig0"] = "ip=10.0.0.5/24", ["sshkeys"] = "k1" },
            "nameserver");
        Assert.Equal("ops", cfg["ciuser"]);
        Assert.Equal("ip=10.0.0.5/24", cfg["ipconfig0"]);
        Assert.Null(cfg["nameserver"]);
        Assert.Null(cfg.Pending);
        Assert.EndsWith("\n[special:cloudinit]\nadded: sshkeys\nciuser: admin\nipconfig0: ip=dhcp\nnameserver: 10.0.0.53\n", cfg.ToString());
        // As Proxmox: a changed ipconfigN is recorded but not listed (only the $cloudinitoptions keys are).
        Assert.Equal(
            [
                new PendingItem("sshkeys", null, "k1", null), new PendingItem("ciuser", "admin", "ops", null),
                new PendingItem("nameserver", null, null, 1),
            ],
            CloudInitChanges.Items(cfg));
    }

    [Fact]
    public void A_value_changed_back_or_an_added_key_deleted_is_in_sync_again()
    {
        var cfg = Running(QmConfig.ParseStrict(Base), new() { ["ciuser"] = "ops", ["sshkeys"] = "k1" });
        cfg = Running(cfg, new() { ["ciuser"] = "root" });
        Assert.Equal("admin", CloudInitChanges.Of(cfg)!["ciuser"]); // changed twice: the image's value stays
        cfg = Running(cfg, new() { ["ciuser"] = "admin" }, "sshkeys");
        Assert.Null(CloudInitChanges.Of(cfg));
        Assert.DoesNotContain("special", cfg.ToString());
    }

    [Fact]
    public void A_stopped_vms_edit_records_nothing_and_nics_wait_for_the_start()
    {
        var cfg = QmConfig.ParseStrict(Base);
        PendingEdit.Apply(cfg, new EditVmConfig(100, "node1", new Dictionary<string, string> { ["ciuser"] = "ops" }, [], Mode: ConfigEditMode.Stopped));
        Assert.Null(CloudInitChanges.Of(cfg));
        cfg = Running(cfg, new() { ["net0"] = "virtio=BC:24:11:00:00:02,bridge=vmbr0", ["name"] = "db" });
        Assert.Equal("name: web\n", CloudInitChanges.Text(cfg));
        Assert.Equal("virtio=BC:24:11:00:00:02,bridge=vmbr0", cfg.Pending!["net0"]);
    }

    [Fact]
    public void Without_a_cloud_init_drive_nothing_is_kept()
    {
        var cfg = Running(QmConfig.ParseStrict(Base.Replace("ide2: local:100/vm-100-cloudinit.qcow2,media=cdrom\n", "")),
            new() { ["ciuser"] = "ops" });
        Assert.Equal("ops", cfg["ciuser"]);
        Assert.Null(CloudInitChanges.Of(cfg));
    }

    [Fact]
    public void Generation_drops_the_section_only_as_it_was_when_the_image_was_written()
    {
        var cfg = Running(QmConfig.ParseStrict(Base), new() { ["ciuser"] = "ops" });
        var seen = CloudInitChanges.Text(cfg);
        var later = Running(cfg.Clone(), new() { ["nameserver"] = "10.0.0.54" });
        CloudInitChanges.Generated(later, seen);
        Assert.True(CloudInitChanges.HasChanges(later));
        CloudInitChanges.Generated(cfg, seen);
        Assert.False(CloudInitChanges.HasChanges(cfg));
        Assert.DoesNotContain(CloudInitChanges.Items(cfg), i => i.Pending is not null || i.Delete is not null);
    }

    [Fact]
    public void The_section_survives_a_round_trip_and_stays_out_of_the_current_config()
    {
        var cfg = Running(QmConfig.ParseStrict(Base + "\n[PENDING]\nmemory: 1024\n\n[s1]\nmemory: 256\n"), new() { ["ciuser"] = "ops" });
        var text = cfg.ToString();
        Assert.Contains("[PENDING]\nmemory: 1024\n\n[special:cloudinit]\nciuser: admin\n\n[s1]\n", text);
        Assert.Equal(text, QmConfig.ParseStrict(text).ToString());
        Assert.Null(cfg.Main["added"]);
        Assert.DoesNotContain(PendingChanges.Items(cfg), i => i.Key == "added" || i.Value == "admin");
    }
}
