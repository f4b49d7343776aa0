using System.Text.Json;
using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

public class TaskCommandTests
{
    private const string Upid = "UPID:pve2:0001A2B3:0C5D3E91:66F1C2D3:qmclone:9000:root@pam!admin:";

    [Fact]
    public async Task Log_requests_all_lines_with_the_raw_upid_in_the_path()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", $"nodes/pve2/tasks/{Upid}/log", Reply.Data("""[{"n":1,"t":"create full clone"},{"n":2,"t":"TASK OK"}]""", 2));

        var r = await Run(pve, "task", "log", Upid);

        Assert.Equal(0, r.Code);
        var req = Assert.Single(pve.Requests);
        Assert.Equal($"nodes/pve2/tasks/{Upid}/log", req.Path); // ':', '@', '!' unescaped
        Assert.Equal(("0", "0"), (req.Query["start"], req.Query["limit"]));
        Assert.Equal("create full clone\nTASK OK", r.Output.Replace("\r", "").Trim());
    }

    [Fact]
    public async Task Status_as_table_and_json()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", $"nodes/pve2/tasks/{Upid}/status", Reply.Data($$"""{"upid":"{{Upid}}","status":"stopped","exitstatus":"OK","starttime":1727120083}"""));

        var table = await Run(pve, "task", "status", Upid);
        var json = await Run(pve, "task", "status", Upid, "--json");

        Assert.Equal(0, table.Code);
        Assert.Matches(@"exitstatus\s*│\s*OK", table.Output);
        Assert.Equal("stopped", JsonDocument.Parse(json.Output).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Stop_sends_delete()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("DELETE", $"nodes/pve2/tasks/{Upid}", Reply.Data("null"));

        var r = await Run(pve, "task", "stop", Upid);

        Assert.Equal(0, r.Code);
        Assert.Equal("DELETE", Assert.Single(pve.Requests).Method);
        Assert.Contains("stop requested", r.Output);
    }

    [Fact]
    public async Task Stop_of_unknown_task_shows_the_upid_error()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("DELETE", $"nodes/pve2/tasks/{Upid}", Reply.BadRequest(("upid", "no such task")));

        var r = await Run(pve, "task", "stop", Upid);

        Assert.Equal(1, r.Code);
        Assert.Contains("upid: no such task", r.Output);
    }

    [Fact]
    public async Task Wait_follows_until_stopped()
    {
        await using var pve = await FakePve.StartAsync();
        var task = new FakeTask(Upid, ["a", "b", "c", "d", "e", "TASK OK"], "OK", linesPerPoll: 1).Register(pve);

        var r = await Run(pve, "task", "wait", Upid);

        Assert.Equal(0, r.Code);
        Assert.Equal(6, task.StatusPolls);
        Assert.Contains("a\nb\nc\nd\ne\nTASK OK", r.Output.Replace("\r", ""));
    }

    [Fact]
    public async Task List_queries_every_node_and_sorts_newest_first()
    {
        const string old = "UPID:pve1:00000001:00000001:66000000:qmstart:100:root@pam:";
        const string recent = "UPID:pve2:00000002:00000002:67000000:qmigrate:101:root@pam:";
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "nodes", Reply.Data("""[{"node":"pve1","status":"online"},{"node":"pve2","status":"online"}]"""));
        pve.On("GET", "nodes/pve1/tasks",
            Reply.Data($$"""[{"upid":"{{old}}","node":"pve1","type":"qmstart","id":"100","user":"root@pam","starttime":{{0x66000000}},"status":"OK"}]"""));
        pve.On("GET", "nodes/pve2/tasks",
            Reply.Data($$"""
                [{"upid":"{{recent}}","node":"pve2","type":"qmigrate","id":"101","user":"root@pam",
                  "starttime":{{0x67000000}},"status":"migration aborted"}]
                """));

        var r = await Run(pve, "task", "list");

        Assert.Equal(0, r.Code);
        Assert.Equal(["nodes", "nodes/pve1/tasks", "nodes/pve2/tasks"], pve.Requests.Select(q => q.Path));
        Assert.Contains("migration aborted", r.Output);
        Assert.True(r.Output.IndexOf(recent, StringComparison.Ordinal) < r.Output.IndexOf(old, StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_for_one_node_passes_limit()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "nodes/pve1/tasks", Reply.Data("[]", 0));

        var r = await Run(pve, "task", "list", "--node", "pve1", "--limit", "5", "--json");

        Assert.Equal(0, r.Code);
        Assert.Equal("5", Assert.Single(pve.Requests).Query["limit"]);
        Assert.Equal("[]", r.Output.Trim());
    }
}
