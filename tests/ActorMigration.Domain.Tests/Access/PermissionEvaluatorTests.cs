using ActorMigration.Domain.Access;
using static ActorMigration.Domain.Tests.Access.AccessFixture;

namespace ActorMigration.Domain.Tests.Access;

/// <summary>Permission evaluation as Proxmox computes it.</summary>
public sealed class PermissionEvaluatorTests
{
    private static bool Has(AccessState s, string who, string path, string priv) => PermissionEvaluator.Has(s, who, path, priv, Now);

    [Fact]
    public void Root_holds_every_privilege_everywhere_and_an_unknown_user_nothing()
    {
        var s = AccessState.Empty;
        Assert.True(Has(s, "root@pam", "/vms/100", "VM.Allocate"));
        Assert.True(Has(s, "root@pam", "/", "Sys.Modify"));
        Assert.False(Has(s, "alice@pve", "/", "VM.Audit"));
    }

    [Fact]
    public void A_propagating_entry_on_a_parent_covers_children_and_a_non_propagating_one_only_its_path()
    {
        var s = Run(AccessState.Empty, User("alice@pve"), User("bob@pve"),
            Grant("/vms", "PVEVMUser", "alice@pve"), Grant("/", "PVEAuditor", "bob@pve", propagate: false));
        Assert.True(Has(s, "alice@pve", "/vms/100", "VM.PowerMgmt"));
        Assert.False(Has(s, "alice@pve", "/vms/100", "VM.Migrate"));
        Assert.False(Has(s, "alice@pve", "/nodes/node1", "Sys.Audit"));
        Assert.True(Has(s, "bob@pve", "/", "Sys.Audit"));
        Assert.False(Has(s, "bob@pve", "/vms/100", "VM.Audit"));
    }

    [Fact]
    public void The_more_specific_path_replaces_the_roles_of_its_parent_and_NoAccess_removes_everything()
    {
        var s = Run(AccessState.Empty, User("alice@pve"),
            Grant("/", "PVEVMAdmin", "alice@pve"), Grant("/vms/101", "PVEAuditor", "alice@pve"), Grant("/vms/102", "NoAccess", "alice@pve"));
        Assert.True(Has(s, "alice@pve", "/vms/100", "VM.Migrate"));
        Assert.True(Has(s, "alice@pve", "/vms/101", "VM.Audit"));
        Assert.False(Has(s, "alice@pve", "/vms/101", "VM.Migrate"));
        Assert.Empty(PermissionEvaluator.Privileges(s, "alice@pve", "/vms/102", Now));
    }

    [Fact]
    public void A_privsep_token_holds_the_intersection_and_a_token_without_privsep_its_users_privileges()
    {
        var s = Run(AccessState.Empty, User("alice@pve"), Token("alice@pve", "ci", privsep: true), Token("alice@pve", "full", privsep: false),
            Grant("/", "PVEVMAdmin", "alice@pve"), Grant("/", "PVEAuditor", "alice@pve!ci"), Grant("/storage", "PVEDatastoreAdmin", "alice@pve!ci"));
        Assert.True(Has(s, "alice@pve!ci", "/vms/100", "VM.Audit"));
        Assert.False(Has(s, "alice@pve!ci", "/vms/100", "VM.Migrate"));
        // The token's own role grants Datastore.Allocate, but its user does not hold it.
        Assert.False(Has(s, "alice@pve!ci", "/storage/local", "Datastore.Allocate"));
        Assert.True(Has(s, "alice@pve!full", "/vms/100", "VM.Migrate"));
        Assert.False(Has(s, "alice@pve!other", "/vms/100", "VM.Audit"));
    }

    [Fact]
    public void Disabled_or_expired_users_and_expired_tokens_hold_nothing()
    {
        var s = Run(AccessState.Empty, User("off@pve", enable: false), User("old@pve", expire: Now - 1), User("alice@pve"),
            Token("alice@pve", "old", privsep: false, expire: Now - 1), Token("alice@pve", "live", privsep: false, expire: Now + 60),
            Grant("/", "Administrator", "off@pve"), Grant("/", "Administrator", "old@pve"), Grant("/", "Administrator", "alice@pve"));
        Assert.False(Has(s, "off@pve", "/", "VM.Audit"));
        Assert.False(Has(s, "old@pve", "/", "VM.Audit"));
        Assert.False(Has(s, "alice@pve!old", "/", "VM.Audit"));
        Assert.True(Has(s, "alice@pve!live", "/", "VM.Audit"));
    }

    [Fact]
    public void The_admin_file_token_is_root_equivalent_but_another_root_token_follows_its_privsep()
    {
        var s = Run(AccessState.Empty, Token("root@pam", "sep", privsep: true), Grant("/vms", "PVEAuditor", "root@pam!sep"));
        Assert.True(Has(s, AccessState.AdminTokenId, "/nodes/node1", "Sys.Modify"));
        Assert.True(Has(s, "root@pam!sep", "/vms/100", "VM.Audit"));
        Assert.False(Has(s, "root@pam!sep", "/vms/100", "VM.Allocate"));
    }

    [Fact]
    public void Built_in_roles_carry_Proxmox_privilege_lists()
    {
        Assert.Equal(["VM.Audit", "VM.Backup", "VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.PowerMgmt"],
            Privileges.Roles["PVEVMUser"].Order(StringComparer.Ordinal));
        Assert.Contains("Permissions.Modify", Privileges.Roles["PVEAdmin"]);
        Assert.DoesNotContain("Sys.Modify", Privileges.Roles["PVEAdmin"]);
        Assert.Equal(Privileges.All.Count, Privileges.Roles["Administrator"].Count);
        Assert.Equal(["Datastore.Audit", "Pool.Audit", "SDN.Audit", "Sys.Audit", "VM.Audit"], Privileges.Roles["PVEAuditor"].Order(StringComparer.Ordinal));
    }
}
