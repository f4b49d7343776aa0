using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Tests.Vms;

/// <summary>A NIC gets its MAC when it is written (create, clone, config edit): the one supplied, never a random one.</summary>
public sealed class VmConfigRulesTests
{
    private static readonly FreshIds Ids = new(Guid.Parse("11111111-1111-1111-1111-111111111111"), Guid.Parse("22222222-2222-2222-2222-222222222222"),
        new Dictionary<string, string> { ["net0"] = "BC:24:11:00:00:AA", ["net1"] = "BC:24:11:00:00:BB" });

    [Fact]
    public void An_edit_that_writes_a_nic_without_a_mac_stores_the_supplied_one()
    {
        var stored = VmConfigRules.NormalizeEdit(new Dictionary<string, string> { ["net0"] = "virtio,bridge=vmbr0", ["memory"] = "512" }, Ids);
        Assert.Equal("virtio=BC:24:11:00:00:AA,bridge=vmbr0", stored["net0"]);
        Assert.Equal("512", stored["memory"]);
    }

    [Fact]
    public void An_edit_keeps_a_mac_it_was_given()
    {
        var stored = VmConfigRules.NormalizeEdit(new Dictionary<string, string> { ["net1"] = "e1000=02:00:00:00:00:01,bridge=vmbr1" }, Ids);
        Assert.Equal("e1000=02:00:00:00:00:01,bridge=vmbr1", stored["net1"]);
    }

    [Fact]
    public void An_edit_of_a_nic_without_a_supplied_mac_is_a_callers_error() =>
        Assert.Throws<InvalidOperationException>(() =>
            VmConfigRules.NormalizeEdit(new Dictionary<string, string> { ["net5"] = "virtio,bridge=vmbr0" }, Ids));

    [Fact]
    public void A_new_vm_gets_the_supplied_identity_and_macs_for_nics_without_one()
    {
        var cfg = QmConfig.Parse("net0: virtio,bridge=vmbr0\nnet1: e1000=02:00:00:00:00:01\n");
        VmConfigRules.CompleteNew(cfg, Ids, DateTimeOffset.FromUnixTimeSeconds(1700000000));
        Assert.Equal("virtio=BC:24:11:00:00:AA,bridge=vmbr0", cfg["net0"]);
        Assert.Equal("e1000=02:00:00:00:00:01", cfg["net1"]);
        Assert.Equal("uuid=11111111-1111-1111-1111-111111111111", cfg["smbios1"]);
        Assert.Equal("22222222-2222-2222-2222-222222222222", cfg["vmgenid"]);
        Assert.Equal("creation-qemu=7.2.0,ctime=1700000000", cfg["meta"]);
    }

    [Fact]
    public void A_new_identity_replaces_every_mac()
    {
        var cfg = QmConfig.Parse("net0: virtio=02:00:00:00:00:01,bridge=vmbr0\nnet1: e1000\nvmgenid: 33333333-3333-3333-3333-333333333333\n");
        VmConfigRules.NewIdentity(cfg.Main, Ids, vmgenid: false);
        Assert.Equal("virtio=BC:24:11:00:00:AA,bridge=vmbr0", cfg["net0"]);
        Assert.Equal("e1000=BC:24:11:00:00:BB", cfg["net1"]);
        Assert.Equal("33333333-3333-3333-3333-333333333333", cfg["vmgenid"]);
    }
}
