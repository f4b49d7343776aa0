using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>The status words of a resource: managed or not, the CRM's state, the verbose state.</summary>
public sealed class HaServiceStateTests
{
    private static HaResource R(string? state) => new("vm:100", state, null, null, null, null);

    [Fact]
    public void An_ignored_resource_is_not_managed_and_has_no_crm_state()
    {
        Assert.True(HaServiceState.IsManaged(R(null)));
        Assert.False(HaServiceState.IsManaged(R("ignored")));
        Assert.False(HaServiceState.IsManaged(null));
        Assert.Null(HaServiceState.Crm(R("ignored"), true));
        Assert.Null(HaServiceState.Crm(R("started"), null));
        Assert.Equal("stopped", HaServiceState.Crm(R("started"), false));
    }

    [Theory]
    [InlineData(null, true, "started", true, "started")]
    [InlineData("started", true, "stopped", false, "starting")]
    [InlineData("disabled", true, "stopped", false, "disabled")]
    [InlineData("stopped", true, "started", true, "stopping")]
    [InlineData("stopped", true, "stopped", false, "stopped")]
    [InlineData("started", false, null, false, "not found")]
    [InlineData("started", true, null, false, "queued")]
    [InlineData("ignored", true, "started", true, "ignored")]
    [InlineData("disabled", true, "error", false, "clearing error flag")]
    public void The_verbose_state_is_Proxmoxs(string? request, bool nodeKnown, string? crm, bool running, string expected)
    {
        Assert.Equal(expected, HaServiceState.Verbose(R(request), nodeKnown, crm, running));
        Assert.Equal("deleting", HaServiceState.Verbose(null, nodeKnown, crm, running));
    }
}
