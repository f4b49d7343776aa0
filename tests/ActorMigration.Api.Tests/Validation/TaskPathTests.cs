using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>A task belongs to the node its UPID names: under another node's path it is unknown, as on Proxmox.</summary>
[Collection(RequestValidationCollection.Name)]
public sealed class TaskPathTests(ValidationFixture f)
{
    private WireClient C => f.Api;

    /// <summary>The finished create task of the reference VM on node1.</summary>
    private async Task<string> Node1Upid()
    {
        var list = await C.Get("/nodes/node1/tasks", ("vmid", ValidationFixture.Vm.ToString()), ("typefilter", "qmcreate"));
        var upid = list.Data!.AsArray().Select(t => t!["upid"]!.GetValue<string>()).First();
        Assert.StartsWith("UPID:node1:", upid);
        return upid;
    }

    [Fact]
    public async Task A_task_is_found_under_its_own_node()
    {
        var upid = await Node1Upid();
        foreach (var sub in new[] { "", "/status", "/log" })
            Assert.Equal(HttpStatusCode.OK, (await C.Get($"/nodes/node1/tasks/{upid}{sub}")).Status);
    }

    [Theory]
    [InlineData("node2")]
    [InlineData("node3")]
    public async Task A_task_under_another_node_is_no_such_task(string node)
    {
        var upid = await Node1Upid();
        foreach (var sub in new[] { "", "/status", "/log" })
            Expect.ParamError(await C.Get($"/nodes/{node}/tasks/{upid}{sub}"), "upid", "no such task");
        var del = await f.Unchanged(() => C.Delete($"/nodes/{node}/tasks/{upid}"));
        Expect.ParamError(del, "upid", "no such task");
    }
}
