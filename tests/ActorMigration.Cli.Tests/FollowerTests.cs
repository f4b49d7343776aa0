using ActorMigration.Cli.Api;
using ActorMigration.Cli.Tasks;
using ActorMigration.Cli.Tests.Fakes;
using Spectre.Console.Testing;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

public class FollowerTests
{
    private const string TaskId = "UPID:pve1:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam!admin:";
    private static readonly Reply NoSuchTask = Reply.BadRequest(("upid", "no such task"));
    private static readonly Reply Unavailable = new(503, "Service Unavailable", null);

    [Fact]
    public async Task Rides_through_a_lagging_task_and_a_restarting_server()
    {
        await using var pve = await FakePve.StartAsync();
        var task = new FakeTask(TaskId, ["line 1", "TASK OK"], "OK").FailStatus(NoSuchTask, Unavailable).Register(pve);

        var r = await Run(pve, "task", "wait", TaskId);

        Assert.Equal(0, r.Code);
        Assert.Equal(3, task.StatusPolls);
        Assert.Contains("line 1", r.Output);
    }

    [Fact]
    public async Task Handler_errors_are_not_retried()
    {
        await using var pve = await FakePve.StartAsync();
        var task = new FakeTask(TaskId, ["TASK OK"], "OK").FailStatus(Reply.Fail("hostname lookup 'pve1' failed")).Register(pve);

        var r = await Run(pve, "task", "wait", TaskId);

        Assert.Equal(1, r.Code);
        Assert.Equal(1, task.StatusPolls);
        Assert.Contains("hostname lookup 'pve1' failed", r.Output);
    }

    [Fact]
    public async Task Gives_up_after_the_grace_period()
    {
        await using var pve = await FakePve.StartAsync();
        new FakeTask(TaskId, ["TASK OK"], "OK").FailStatus(Enumerable.Repeat(Unavailable, 1000).ToArray()).Register(pve);
        using var api = new PveClient(ApiSettings.ToApiRoot(pve.Url), Token, new SocketsHttpHandler(), disposeHandler: true);
        var follower = new TaskFollower(api, TimeSpan.FromMilliseconds(10), grace: TimeSpan.FromMilliseconds(300));

        var e = await Assert.ThrowsAsync<PveApiException>(() => follower.FollowAsync(Upid.Parse(TaskId), _ => { }, CancellationToken.None));

        Assert.Equal(503, e.Status);
    }

    [Fact]
    public async Task Interrupt_stops_following_with_a_hint()
    {
        await using var pve = await FakePve.StartAsync();
        new FakeTask(TaskId, [.. Enumerable.Range(1, 1000).Select(i => $"line {i}"), "TASK OK"], "OK", linesPerPoll: 1).Register(pve);
        var console = new TestConsole().Width(250);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var code = await Program.Run(["task", "wait", TaskId, "--api", pve.Url, "--token", Token],
            new CliOptions { Console = console, Env = n => n == "AM_POLL_MS" ? "10" : null, Cancel = cts.Token });

        Assert.Equal(130, code);
        Assert.Contains($"the task keeps running (amctl task stop {TaskId})", console.Output);
    }
}
