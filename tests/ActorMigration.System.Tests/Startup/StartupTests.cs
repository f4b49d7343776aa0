
namespace ActorMigration.SystemTests.Startup;

/// <summary>
/// A member answers HTTP before it is Up in its cluster. A request for one of its own nodes that arrives then waits
/// for the member instead of being refused with "seems to be offline" (offline nodes are refused at once).
/// </summary>
[Collection(Collections.Cluster)]
public sealed class StartupTests
{
    [Fact]
    public async Task A_create_sent_as_soon_as_the_api_answers_waits_for_the_member_and_succeeds()
    {
        await using var m = new MemberProcess();
        await m.StartAsync(); // returns once /version answers
        var upid = await m.Client.Upid(m.Client.Post("/nodes/node1/qemu", ("vmid", "100"), ("memory", "512")));
        Assert.Equal("OK", await m.Client.Wait(upid));
    }
}
