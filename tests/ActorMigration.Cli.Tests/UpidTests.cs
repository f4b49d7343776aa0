using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Tests;

public class UpidTests
{
    private const string Example = "UPID:pve1:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam!ci:";

    [Fact]
    public void Parses_fields()
    {
        Assert.True(Upid.TryParse(Example, out var u));
        Assert.Equal(("pve1", 0x1A2B3, 0x0C5D3E91L, "qmigrate", "100", "root@pam!ci"), (u.Node, u.Pid, u.PStart, u.Type, u.Id, u.User));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(0x66F1C2D3), u.StartTime);
    }

    [Theory]
    [InlineData("UPID:pve1:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam!ci")] // no trailing ':'
    [InlineData("UPID:pve1:1A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam:")]        // pid not 8 hex
    [InlineData("UPID:pve/1:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam:")]    // '/' in node
    [InlineData("qmigrate:100")]
    [InlineData("")]
    public void Rejects_malformed(string text) => Assert.False(Upid.TryParse(text, out _));

    [Fact]
    public void Empty_id_is_allowed() =>
        Assert.Equal("", Upid.Parse("UPID:n1:00000001:00000002:00000003:vzdump::root@pam:").Id);

    [Fact]
    public void Task_paths_keep_the_upid_raw()
    {
        var u = Upid.Parse(Example);
        Assert.Equal($"nodes/pve1/tasks/{Example}/log", Paths.TaskLog(u));
        Assert.Equal($"nodes/pve1/tasks/{Example}/status", Paths.TaskStatus(u));
    }
}
