using ActorMigration.Api.Http;

namespace ActorMigration.Api.Tests.Security;

/// <summary>The declarative route requirement: path templates filled from parameters, all/any privileges, conditional checks.</summary>
public sealed class NeedTests
{
    private static readonly Caller Bob = new("bob@pve");

    private static Func<string, string?> Params(params (string, string)[] values) =>
        k => values.FirstOrDefault(v => v.Item1 == k).Item2;

    [Fact]
    public void Each_check_names_the_path_and_the_missing_privilege_as_proxmox_does()
    {
        var clone = Need.Vm("VM.Clone").And("/vms/{newid}", "VM.Allocate").AndIf("storage", "/storage/{storage}", "Datastore.AllocateSpace");
        var p = Params(("vmid", "100"), ("newid", "101"), ("storage", "local"));
        var grants = new Grants();
        Assert.Equal("/vms/100, VM.Clone", clone.Denied(Bob, grants, p));
        grants.Grant("bob@pve", "/vms/100", "VM.Clone");
        Assert.Equal("/vms/101, VM.Allocate", clone.Denied(Bob, grants, p));
        grants.Grant("bob@pve", "/vms/101", "VM.Allocate");
        Assert.Equal("/storage/local, Datastore.AllocateSpace", clone.Denied(Bob, grants, p));
        // The storage check applies only when a storage is named.
        Assert.Null(clone.Denied(Bob, grants, Params(("vmid", "100"), ("newid", "101"))));
        grants.Grant("bob@pve", "/storage/local", "Datastore.AllocateSpace");
        Assert.Null(clone.Denied(Bob, grants, p));
    }

    [Fact]
    public void Any_of_several_privileges_is_enough_and_the_failure_lists_them()
    {
        var rollback = Need.VmAny("VM.Snapshot", "VM.Snapshot.Rollback");
        var p = Params(("vmid", "7"));
        Assert.Equal("/vms/7, VM.Snapshot|VM.Snapshot.Rollback", rollback.Denied(Bob, new Grants(), p));
        Assert.Null(rollback.Denied(Bob, new Grants().Grant("bob@pve", "/vms/7", "VM.Snapshot.Rollback"), p));
    }

    [Fact]
    public void A_conditional_boolean_check_is_skipped_for_zero()
    {
        var create = Need.Vm("VM.Allocate").AndIf("start", "/vms/{vmid}", "VM.PowerMgmt");
        var grants = new Grants().Grant("bob@pve", "/vms/5", "VM.Allocate");
        Assert.Null(create.Denied(Bob, grants, Params(("vmid", "5"), ("start", "0"))));
        Assert.Equal("/vms/5, VM.PowerMgmt", create.Denied(Bob, grants, Params(("vmid", "5"), ("start", "1"))));
    }

    [Fact]
    public void Root_passes_every_check_and_a_token_of_root_does_not()
    {
        var need = Need.Node("Sys.Audit");
        Assert.Null(need.Denied(new Caller("root@pam"), new Grants(), Params(("node", "node1"))));
        Assert.Equal("/nodes/node1, Sys.Audit", need.Denied(new Caller("root@pam!ci"), new Grants(), Params(("node", "node1"))));
        Assert.Null(Need.User.Denied(Bob, new Grants(), Params()));
    }
}
