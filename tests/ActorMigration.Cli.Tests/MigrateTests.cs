using ActorMigration.Cli.Tests.Fakes;
using Spectre.Console.Testing;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

public class MigrateTests
{
    private const string Upid = "UPID:pve1:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam!admin:";

    private static readonly string[] OkLog =
    [
        "2024-09-23 21:34:43 starting migration of VM 100 to node 'pve2' (10.0.0.12)",
        "2024-09-23 21:34:43 starting VM 100 on remote node 'pve2'",
        "2024-09-23 21:34:45 migration active, transferred 512.0 MiB of 2.0 GiB VM-state, 1.0 GiB/s",
        "2024-09-23 21:34:46 migration active, transferred 1.5 GiB of 2.0 GiB VM-state, 1.0 GiB/s",
        "2024-09-23 21:34:46 average migration speed: 1.0 GiB/s - downtime 12 ms",
        "2024-09-23 21:34:46 migration status: completed",
        "2024-09-23 21:34:48 migration finished successfully (duration 00:00:05)",
        "TASK OK",
    ];

    private static async Task<FakePve> Server(string[] log, string exit)
    {
        var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", "nodes/pve1/qemu/100/migrate", Reply.Data($"\"{Upid}\""));
        new FakeTask(Upid, log, exit).Register(pve);
        return pve;
    }

    [Fact]
    public async Task Posts_the_options_and_follows_the_log_once_per_line()
    {
        await using var pve = await Server(OkLog, "OK");

        var r = await Run(pve, "migrate", "100", "pve2", "--online", "--with-local-disks", "--targetstorage", "local-lvm:fast", "--bwlimit", "10240");

        Assert.Equal(0, r.Code);
        var post = Assert.Single(pve.Sent("POST", "nodes/pve1/qemu/100/migrate"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["target"] = "pve2", ["online"] = "1", ["with-local-disks"] = "1", ["targetstorage"] = "local-lvm:fast", ["bwlimit"] = "10240",
        }, post.Form);
        foreach (var line in OkLog)
            Assert.Single(r.Output.Split('\n'), l => l.TrimEnd() == line); // printed plainly, exactly once
        Assert.DoesNotContain("no content", r.Output);
        Assert.Contains("downtime: 12 ms", r.Output);

        // Log polls ask for limit=0 from the last line seen, and the offsets only grow.
        var starts = pve.Requests.Where(q => q.Path.EndsWith("/log")).Select(q => (int.Parse(q.Query["start"]), q.Query["limit"])).ToList();
        Assert.All(starts, s => Assert.Equal("0", s.Item2));
        Assert.Equal(starts.Select(s => s.Item1).Order(), starts.Select(s => s.Item1));
        Assert.Contains(starts, s => s.Item1 > 0);
    }

    [Fact]
    public async Task Flags_not_given_are_not_sent()
    {
        await using var pve = await Server(OkLog, "OK");

        var r = await Run(pve, "migrate", "100", "pve2", "--with-local-disks=0");

        Assert.Equal(0, r.Code);
        var post = Assert.Single(pve.Sent("POST", "nodes/pve1/qemu/100/migrate"));
        Assert.Equal(new Dictionary<string, string> { ["target"] = "pve2", ["with-local-disks"] = "0" }, post.Form);
    }

    [Fact]
    public async Task Warnings_count_as_success()
    {
        await using var pve = await Server(["some warning", "TASK WARNINGS: 1"], "WARNINGS: 1");
        Assert.Equal(0, (await Run(pve, "migrate", "100", "pve2")).Code);
    }

    [Fact]
    public async Task Failed_task_exits_1_with_the_exit_status()
    {
        string[] log =
        [
            "2024-09-23 21:34:43 starting migration of VM 100 to node 'pve2' (10.0.0.12)",
            "2024-09-23 21:34:44 ERROR: migration aborted (duration 00:00:01): can't live migrate attached local disks without with-local-disks option",
            "TASK ERROR: migration aborted",
        ];
        await using var pve = await Server(log, "migration aborted");

        var r = await Run(pve, "migrate", "100", "pve2", "--online");

        Assert.Equal(1, r.Code);
        Assert.Contains("can't live migrate attached local disks", r.Output);
        Assert.Contains("error: task qmigrate 100 failed: migration aborted", r.Output);
    }

    [Fact]
    public async Task Live_view_shows_phase_lines_bar_and_downtime()
    {
        await using var pve = await Server(OkLog, "OK");
        var console = new TestConsole().Width(200).Interactive().EmitAnsiSequences().SupportsAnsi(true);

        var r = await RunRaw(["migrate", "100", "pve2", "--online", "--api", pve.Url, "--token", Token], console: console);

        Assert.Equal(0, r.Code);
        Assert.Contains("starting VM 100 on remote node 'pve2'", r.Output);
        Assert.Contains("VM-state", r.Output);                       // the bar's label
        Assert.Contains("100%", r.Output);                           // completed at the end
        Assert.DoesNotContain("migration active, transferred", r.Output); // progress lines drive the bar, not the text
        Assert.Contains("downtime:", r.Output);
    }
}
