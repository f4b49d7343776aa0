using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>Which hosted nodes a member arms, and what it does with each node in a pet cycle.</summary>
public class FenceArmingTests
{
    private static readonly string[] Hosted = ["node1", "node2", "node3"];

    private static readonly Dictionary<int, string> Owners = new() { [100] = "node1", [101] = "node2", [102] = "node4", [103] = "node3" };

    private static HaConfigState Config(params (int VmId, string? State)[] resources) => HaConfigState.Empty with
    {
        Resources = HaConfigState.Empty.Resources.SetItems(resources.Select(r =>
            KeyValuePair.Create(HaSid.OfVm(r.VmId), new HaResource(HaSid.OfVm(r.VmId), r.State, null, null, null, null)))),
    };

    private static IReadOnlySet<string> Arm(HaConfigState config) =>
        FenceRules.NodesToArm(config, vm => Owners.GetValueOrDefault(vm), Hosted);

    [Fact]
    public void A_hosted_node_is_armed_iff_it_owns_the_vm_of_a_managed_resource()
    {
        Assert.Empty(Arm(HaConfigState.Empty));
        Assert.Equal(["node1"], Arm(Config((100, null))));
        Assert.Equal(["node1", "node2"], Arm(Config((100, "started"), (101, "stopped"))).Order());
        Assert.Equal(["node2"], Arm(Config((101, "disabled"))));
    }

    [Fact]
    public void Ignored_resources_vms_of_other_members_nodes_and_vms_without_a_known_owner_arm_nothing()
    {
        Assert.Empty(Arm(Config((100, "ignored"))));
        Assert.Empty(Arm(Config((102, null)))); // node4 is another member's
        Assert.Empty(Arm(Config((999, null)))); // no such VM in the read model
        Assert.Equal(["node3"], Arm(Config((100, "ignored"), (103, "started"))));
    }

    [Theory]
    [InlineData(false, false, FenceStep.Keep)]
    [InlineData(true, true, FenceStep.Keep)]
    public void Arming_all_keeps_every_node_always(bool watchdogArmed, bool leaseMayBeHeld, FenceStep expected) =>
        Assert.Equal(expected, FenceRules.Step(FenceArming.All, new HashSet<string>(), "node1", watchdogArmed, leaseMayBeHeld));

    [Theory]
    [InlineData(true, false, FenceStep.Keep)] // a member restarted within the grace keeps its armed watchdog
    [InlineData(false, true, FenceStep.Idle)] // nothing new is armed, nothing released
    [InlineData(false, false, FenceStep.Idle)]
    public void Until_the_ha_configuration_is_read_only_an_armed_watchdog_is_kept(bool watchdogArmed, bool leaseMayBeHeld, FenceStep expected) =>
        Assert.Equal(expected, FenceRules.Step(FenceArming.HaNodes, null, "node1", watchdogArmed, leaseMayBeHeld));

    [Theory]
    [InlineData("node1", false, false, FenceStep.Keep)]
    [InlineData("node1", true, true, FenceStep.Keep)]
    [InlineData("node2", true, true, FenceStep.Release)]
    [InlineData("node2", true, false, FenceStep.Release)] // a watchdog armed by an earlier incarnation
    [InlineData("node2", false, true, FenceStep.Release)] // a lease that may still be held (unknown at start, or a fired watchdog)
    [InlineData("node2", false, false, FenceStep.Idle)]
    public void Once_read_nodes_to_arm_are_kept_and_the_others_released_while_armed_or_holding_a_lease(string node, bool watchdogArmed,
        bool leaseMayBeHeld, FenceStep expected) =>
        Assert.Equal(expected, FenceRules.Step(FenceArming.HaNodes, new HashSet<string> { "node1" }, node, watchdogArmed, leaseMayBeHeld));

    [Fact]
    public void A_disarmed_watchdog_clock_never_fires_and_a_later_pet_arms_it_again()
    {
        var now = TimeSpan.FromSeconds(10);
        var clock = WatchdogClock.Disarmed.Pet(now, now + TimeSpan.FromSeconds(8)).Disarm();
        Assert.False(clock.Armed);
        Assert.False(clock.Due(now + TimeSpan.FromMinutes(5)));
        Assert.Null(clock.Left(now));
        Assert.Equal(0, clock.Fired);
        Assert.True(clock.Pet(now, now + TimeSpan.FromSeconds(1)).Due(now + TimeSpan.FromSeconds(1)));
    }
}
