using ActorMigration.Domain.Access;
using static ActorMigration.Domain.Tests.Access.AccessFixture;

namespace ActorMigration.Domain.Tests.Access;

/// <summary>Users, tokens and ACL changes: refusals change nothing and carry Proxmox's texts.</summary>
public sealed class AccessDeciderTests
{
    private static string? Refusal(AccessState s, IAccessCommand c)
    {
        var (events, error) = AccessDecider.Decide(s, c);
        if (error is not null) Assert.Empty(events);
        return error;
    }

    [Fact]
    public void Duplicate_users_other_realms_unknown_roles_users_and_tokens_are_refused()
    {
        var s = Run(AccessState.Empty, User("alice@pve"));
        Assert.Equal("create user failed: user 'alice@pve' already exists", Refusal(s, User("alice@pve")));
        Assert.StartsWith("create user failed: realm 'pam'", Refusal(s, User("bob@pam")));
        Assert.Equal("ACL update failed: role 'Boss' does not exist", Refusal(s, Grant("/", "Boss", "alice@pve")));
        Assert.Equal("ACL update failed: user 'bob@pve' does not exist", Refusal(s, Grant("/", "PVEAuditor", "bob@pve")));
        Assert.Equal("ACL update failed: no such token 'ci' for user 'alice@pve'", Refusal(s, Grant("/", "PVEAuditor", "alice@pve!ci")));
        Assert.Equal("delete user failed: cannot delete 'root@pam'", Refusal(s, new DeleteUser("root@pam")));
        Assert.Equal("generating API token failed: Token already exists.", Refusal(s, Token("root@pam", "admin", false)));
    }

    [Fact]
    public void Deleting_a_user_removes_its_tokens_and_every_acl_entry_of_both()
    {
        var s = Run(AccessState.Empty, User("alice@pve"), Token("alice@pve", "ci", true), User("bob@pve"),
            Grant("/", "PVEAuditor", "alice@pve"), Grant("/vms", "PVEVMUser", "alice@pve!ci"), Grant("/", "PVEAuditor", "bob@pve"),
            new DeleteUser("alice@pve"));
        Assert.False(s.Users.ContainsKey("alice@pve"));
        Assert.Empty(s.Tokens);
        Assert.Equal([new AclEntry("/", "bob@pve", "PVEAuditor", true)], s.Acl);
    }

    [Fact]
    public void Acl_changes_are_idempotent_and_delete_removes_only_the_named_roles()
    {
        var s = Run(AccessState.Empty, User("alice@pve"), Grant("/vms/100", "PVEVMUser", "alice@pve"), Grant("/vms/100", "PVEAuditor", "alice@pve"));
        Assert.Empty(AccessDecider.Decide(s, Grant("/vms/100", "PVEVMUser", "alice@pve")).Events);
        s = Run(s, new ModifyAcl("/vms/100", ["PVEVMUser"], ["alice@pve"], [], true, Delete: true));
        Assert.Equal([new AclEntry("/vms/100", "alice@pve", "PVEAuditor", true)], s.Acl);
        var version = s.Version;
        s = Run(s, Grant("/vms/100", "PVEAuditor", "alice@pve", propagate: false));
        Assert.False(Assert.Single(s.Acl).Propagate);
        Assert.Equal(version + 1, s.Version);
    }

    [Fact]
    public void The_ticket_key_is_set_once()
    {
        var s = Run(AccessState.Empty, new EnsureTicketKey("k1"), new EnsureTicketKey("k2"));
        Assert.Equal("k1", s.TicketKey);
    }
}
