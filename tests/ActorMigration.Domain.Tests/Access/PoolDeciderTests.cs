using ActorMigration.Domain.Access;

namespace ActorMigration.Domain.Tests.Access;

/// <summary>Pools in the access state: Proxmox's rules and texts, a VM in one pool at most, a pool's ACL gone with it.</summary>
public sealed class PoolDeciderTests
{
    private static AccessState Run(AccessState s, IAccessCommand c)
    {
        var (events, error) = AccessDecider.Decide(s, c);
        Assert.Null(error);
        return events.Aggregate(s, AccessDecider.Apply);
    }

    private static string Refusal(AccessState s, IAccessCommand c)
    {
        var (events, error) = AccessDecider.Decide(s, c);
        Assert.Empty(events);
        return error!;
    }

    [Fact]
    public void A_vm_is_in_one_pool_moves_only_with_allow_move_and_a_pool_goes_only_when_its_existing_members_are_gone()
    {
        var s = Run(Run(AccessState.Empty, new CreatePool("a", "first")), new CreatePool("b", null));
        Assert.Equal("create pool failed: pool 'a' already exists", Refusal(s, new CreatePool("a", null)));
        s = Run(s, new SetVmPool(100, "a"));
        Assert.Equal("a", PoolDecider.PoolOf(s, 100));
        Assert.Equal("update pools failed: VM 100 belongs already to pool 'a' and allow-move is not set",
            Refusal(s, new UpdatePool("b", null, [100], [], Delete: false, AllowMove: false)));
        s = Run(s, new UpdatePool("b", "second", [100], ["local"], Delete: false, AllowMove: true));
        Assert.Equal(("b", "second"), (PoolDecider.PoolOf(s, 100), s.Pools["b"].Comment));
        Assert.Empty(s.Pools["a"].Vms);
        Assert.Equal("delete pool failed: pool 'b' is not empty (contains VM 100)", Refusal(s, new DeletePool("b", [100], ["local"])));
        Assert.Equal("delete pool failed: pool 'b' is not empty (contains storage 'local')", Refusal(s, new DeletePool("b", [], ["local"])));
        s = Run(s, new ModifyAcl("/pool/b", ["PVEAuditor"], [AccessState.Root], [], Propagate: true, Delete: false));
        s = Run(s, new DeletePool("b", [], []));
        Assert.False(s.Pools.ContainsKey("b"));
        Assert.DoesNotContain(s.Acl, e => e.Path == "/pool/b");
        Assert.Equal("pool 'b' does not exist", Refusal(s, new SetVmPool(101, "b")));
        // Created again without a pool, the id leaves the one it had.
        s = Run(Run(s, new SetVmPool(102, "a")), new SetVmPool(102, null));
        Assert.Null(PoolDecider.PoolOf(s, 102));
    }

    [Theory]
    [InlineData("web", true)]
    [InlineData("a.b-c_d", true)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    [InlineData("x\n", false)]
    public void Pool_ids_are_proxmox_pve_poolid(string id, bool valid) => Assert.Equal(valid, PoolDecider.IsPoolId(id));
}
