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

    [Theory]
    [InlineData("UPID:node1:0000AAAA:0000BBBB:60000000:qmstart:101:root@pam:")]
    [InlineData("UPID:node1:0000AAAA:0000BBBB:60000000:qmigrate:100:root@pam!ci:")]
    public async Task Asking_for_a_task_nobody_started_writes_nothing(string upid)
    {
        // Asking a workflow starts a remembered sharded entity, which writes to the journal: a made-up UPID must not
        // get there. Until the member's read model has read the journal once it cannot tell, so the check is that
        // asking soon stops writing (without the read model's answer, every ask writes two rows).
        var journal = Path.Combine(f.Server.DataDir, "actormigration.db");
        await PveClient.Eventually(async () =>
        {
            var before = JournalRows.Count(journal);
            foreach (var sub in new[] { "", "/status", "/log" })
                Expect.ParamError(await C.Get($"/nodes/node1/tasks/{upid}{sub}"), "upid", "no such task");
            Expect.ParamError(await C.Delete($"/nodes/node1/tasks/{upid}"), "upid", "no such task");
            await Task.Delay(300);
            return JournalRows.Count(journal) == before;
        }, TimeSpan.FromSeconds(10), "asking for a made-up task writes nothing to the journal");
    }
}
