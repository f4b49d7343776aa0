using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

/// <summary><c>amctl rebalance plan|apply</c> against a fake server: what is sent, what is printed, the exit codes.</summary>
public class RebalanceCommandTests
{
    private const string Upid1 = "UPID:node1:00000000:00000001:675F0000:qmigrate:101:root@pam:";
    private const string Upid2 = "UPID:node1:00000000:00000002:675F0000:qmigrate:102:root@pam:";

    private const string PlanJson = """
        {"score-before":0.2512,"score-after":0.0401,"threshold":0.1,"target":0.05,"digest":"ab12","stop":"target reached",
         "moves":[{"vmid":101,"from":"node1","to":"node2","gain":0.11,"reason":"node1 memory 80% > mean 40%"},
                  {"vmid":102,"from":"node1","to":"node3","gain":0.1,"reason":"node1 memory 60% > mean 40%"}],
         "blocked":[{"vmid":9000,"node":"node1","reason":"template"}],
         "nodes":[{"node":"node1","mem":0.8,"cpu":0.1,"maintenance":0}]}
        """;

    [Fact]
    public async Task Plan_sends_max_moves_and_prints_the_scores_the_moves_and_the_blocked_vms()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "cluster/rebalance/plan", Reply.Data(PlanJson));

        var r = await Run(pve, "rebalance", "plan", "--max-moves", "2");

        Assert.True(r.Code == 0, r.Output);
        Assert.Equal("2", Assert.Single(pve.Sent("GET", "cluster/rebalance/plan")).Query["max-moves"]);
        Assert.Contains("score 0.251 -> 0.040 (threshold 0.100, target 0.050); digest ab12", r.Output);
        Assert.Matches(@"101\W+node1\W+node2\W+0\.110\W+node1 memory 80% > mean 40%", r.Output);
        Assert.Matches(@"102\W+node1\W+node3\W+0\.100", r.Output);
        Assert.Contains("VM 9000 stays on node 'node1': template", r.Output);
        Assert.Empty(pve.Sent("POST", "cluster/rebalance")); // a dry run applies nothing
    }

    [Fact]
    public async Task Apply_sends_the_digest_waits_for_each_move_and_fails_when_one_fails()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("POST", "cluster/rebalance", Reply.Data($"[\"{Upid1}\",\"{Upid2}\"]"));
        new FakeTask(Upid1, ["TASK OK"], "OK").Register(pve);
        new FakeTask(Upid2, ["migration aborted", "TASK ERROR: migration aborted"], "migration aborted").Register(pve);

        var r = await Run(pve, "rebalance", "apply", "--digest", "ab12");

        Assert.Equal(1, r.Code);
        Assert.Equal("ab12", Assert.Single(pve.Sent("POST", "cluster/rebalance")).Form["digest"]);
        Assert.Contains($"{Upid1}: OK", r.Output);
        Assert.Contains($"{Upid2}: failed", r.Output);
    }

    [Fact]
    public async Task Apply_without_wait_prints_the_upids_and_an_empty_plan_says_so()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("POST", "cluster/rebalance", Reply.Data($"[\"{Upid1}\"]"));
        var r = await Run(pve, "rebalance", "apply", "--no-wait");
        Assert.Equal(0, r.Code);
        Assert.Contains(Upid1, r.Output);
        Assert.DoesNotContain(pve.Requests, q => q.Path.Contains("/tasks/", StringComparison.Ordinal));
        Assert.DoesNotContain("digest", Assert.Single(pve.Sent("POST", "cluster/rebalance")).Form.Keys);

        await using var empty = await FakePve.StartAsync();
        empty.On("POST", "cluster/rebalance", Reply.Data("[]"));
        var none = await Run(empty, "rebalance", "apply");
        Assert.Equal((0, true), (none.Code, none.Output.Contains("nothing to move", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_refusal_is_printed_with_the_servers_text_and_exits_nonzero()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("POST", "cluster/rebalance", Reply.Fail("rebalancer is off (mode=off)"));
        var r = await Run(pve, "rebalance", "apply");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("rebalancer is off (mode=off)", r.Output);
    }
}
