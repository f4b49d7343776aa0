using ActorMigration.Conntrack.Tests.Infrastructure;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Conntrack;
using Serilog.Events;

namespace ActorMigration.Conntrack.Tests;

/// <summary>Command lines and result handling, with a scripted runner (no kernel involved).</summary>
public class DriverCommandTests
{
    private sealed class FakeRunner(Func<IReadOnlyList<string>, string?, ConntrackCommandResult> answer) : IConntrackCommandRunner
    {
        public List<(IReadOnlyList<string> Argv, string? Stdin)> Calls { get; } = [];

        public Task<ConntrackCommandResult> RunAsync(IReadOnlyList<string> argv, string? stdin, TimeSpan timeout, CancellationToken ct)
        {
            Calls.Add((argv.ToList(), stdin));
            return Task.FromResult(answer(argv, stdin));
        }
    }

    private static readonly ConntrackCommandResult Empty = new(0, "", "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n");

    private const string SaveLine =
        "-A -t 299 -u SEEN_REPLY,ASSURED -s 192.0.2.1 -d 198.51.100.1 -r 198.51.100.1 -q 192.0.2.1 -p tcp --sport 1000 --dport 80 --reply-port-src 80 " +
            "--reply-port-dst 1000 --state ESTABLISHED";

    [Fact]
    public async Task Commands_run_inside_the_netns_without_a_shell()
    {
        var runner = new FakeRunner((_, _) => Empty);
        var driver = new LinuxConntrackDriver(new ConntrackOptions { Netns = "node-a" }, runner: runner);
        await driver.DumpAsync(100);
        Assert.Equal(
            ["ip", "netns", "exec", "node-a", "conntrack", "-L", "-f", "ipv4", "-o", "save", "-m", "100"],
            runner.Calls[0].Argv);
        Assert.Equal("ipv6", runner.Calls[1].Argv[7]);
    }

    [Fact]
    public async Task Without_netns_conntrack_runs_directly()
    {
        var runner = new FakeRunner((_, _) => new ConntrackCommandResult(1, "", "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n"));
        var driver = new LinuxConntrackDriver(new ConntrackOptions(), runner: runner);
        Assert.Equal(0, await driver.FlushAsync(100));
        Assert.Equal(["conntrack", "-D", "-f", "ipv4", "-m", "100"], runner.Calls[0].Argv);
        Assert.Equal(["conntrack", "-D", "-f", "ipv6", "-m", "100"], runner.Calls[1].Argv);
    }

    [Fact]
    public async Task Flush_sums_the_deleted_counts_of_both_families()
    {
        var runner = new FakeRunner((argv, _) => new ConntrackCommandResult(0, "",
            $"conntrack v1.4.7 (conntrack-tools): {(argv.Contains("ipv4") ? 3 : 2)} flow entries have been deleted.\n"));
        Assert.Equal(5, await new LinuxConntrackDriver(new ConntrackOptions(), runner: runner).FlushAsync(7));
    }

    [Fact]
    public async Task Failures_carry_the_netns_and_the_tool_message()
    {
        var runner = new FakeRunner((_, _) => new ConntrackCommandResult(1, "", "Cannot open network namespace \"gone\": No such file or directory\n"));
        var driver = new LinuxConntrackDriver(new ConntrackOptions { Netns = "gone" }, runner: runner);
        var e = await Assert.ThrowsAsync<ConntrackException>(() => driver.FlushAsync(100));
        Assert.Contains("netns 'gone'", e.Message);
        Assert.Contains("No such file or directory", e.Message);
        Assert.Equal(1, e.ExitCode);
        Assert.Equal(["ip", "netns", "exec", "gone", "conntrack", "-D", "-f", "ipv4", "-m", "100"], e.Command);
    }

    [Fact]
    public async Task Dump_falls_back_to_the_extended_listing()
    {
        var runner = new FakeRunner((argv, _) => argv.Contains("save")
            ? new ConntrackCommandResult(2, "", "conntrack v1.4.5 (conntrack-tools): Unknown output type\n")
            : argv.Contains("ipv4")
                ? new ConntrackCommandResult(0,
                    "ipv4     2 tcp      6 299 ESTABLISHED src=192.0.2.1 dst=198.51.100.1 sport=1000 dport=80 src=198.51.100.1 dst=192.0.2.1 sport=80 " +
                        "dport=1000 [ASSURED] mark=100 use=1\n", "")
                : Empty);
        var log = new TestLog();
        var lines = await new LinuxConntrackDriver(new ConntrackOptions(), log.Logger, runner).DumpAsync(100);
        Assert.Equal([SaveLine + " --mark 100"], lines);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains("Unknown output type"));
    }

    [Fact]
    public async Task Dump_skips_unparsable_lines_and_respects_the_size_cap()
    {
        var stdout = string.Join('\n', Enumerable.Range(1, 50).Select(i =>
                SaveLine.Replace("--sport 1000", $"--sport {i}").Replace("--reply-port-dst 1000", $"--reply-port-dst {i}")))
                     + "\n-A -t 1 -p dccp -s 192.0.2.1 -d 192.0.2.2\n";
        var runner = new FakeRunner((argv, _) => argv.Contains("ipv4") ? new ConntrackCommandResult(0, stdout, "") : Empty);
        var log = new TestLog();
        var driver = new LinuxConntrackDriver(new ConntrackOptions { MaxDumpBytes = 2000 }, log.Logger, runner);
        var lines = await driver.DumpAsync(100);
        Assert.InRange(lines.Count, 1, 49);
        Assert.True(lines.Sum(l => l.Length + 1) <= 2000);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains("dccp is not supported"));
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains("exceeds"));
    }

    [Fact]
    public async Task Load_batches_only_missing_entries_and_counts_what_is_present_afterwards()
    {
        var present = new HashSet<string>(); // sport values in the fake table
        var runner = new FakeRunner((argv, stdin) =>
        {
            if (argv.Contains("--load-file"))
            {
                foreach (var l in stdin!.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    present.Add(ConntrackParser.Parse(l).Original.SourcePort!.Value.ToString());
                return new ConntrackCommandResult(0, "", "");
            }
            if (argv.Contains("ipv6")) return Empty;
            var listing = string.Concat(present.Select(p =>
                $"ipv4 2 tcp 6 299 ESTABLISHED src=192.0.2.1 dst=198.51.100.1 sport={p} dport=80 src=198.51.100.1 dst=192.0.2.1 sport=80 " +
                    $"dport={p} [ASSURED] mark=100 use=1\n"));
            return new ConntrackCommandResult(0, listing, "");
        });
        present.Add("1000");
        var other = SaveLine.Replace("--sport 1000", "--sport 2000").Replace("--reply-port-dst 1000", "--reply-port-dst 2000");
        var driver = new LinuxConntrackDriver(new ConntrackOptions(), runner: runner);

        Assert.Equal(2, await driver.LoadAsync(100, [SaveLine, other, "not an entry"]));
        var batch = runner.Calls.Single(c => c.Argv.Contains("--load-file"));
        Assert.Equal(["conntrack", "--load-file", "-"], batch.Argv);
        Assert.Equal(other + " --mark 100\n", batch.Stdin); // the entry already present is not sent again
    }

    [Fact]
    public async Task Load_of_nothing_runs_nothing()
    {
        var runner = new FakeRunner((_, _) => throw new InvalidOperationException("no command expected"));
        Assert.Equal(0, await new LinuxConntrackDriver(new ConntrackOptions(), runner: runner).LoadAsync(100, []));
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("../x")]
    [InlineData("-x")]
    [InlineData("")]
    [InlineData("x;reboot")]
    public void Bad_netns_names_are_refused(string ns) =>
        Assert.Throws<ArgumentException>(() => new LinuxConntrackDriver(ns));

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task Bad_vmids_are_refused(int vmid)
    {
        var driver = new LinuxConntrackDriver(new ConntrackOptions(), runner: new FakeRunner((_, _) => Empty));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => driver.DumpAsync(vmid));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => driver.FlushAsync(vmid));
    }

    [Fact]
    public void Node_settings_select_the_host_netns()
    {
        var node = new NodeSettings("pve1", "/tmp/run", new StorageConfig([]), HostNetns: "pve1-host");
        Assert.Equal("pve1-host", LinuxConntrackDriver.ForNode(node).Options.Netns);
    }

    [Fact]
    public async Task Events_carry_the_namespace_and_keep_their_template()
    {
        var log = new TestLog();
        await new LinuxConntrackDriver(new ConntrackOptions { Netns = "node-a" }, log.Logger, new FakeRunner((_, _) => Empty)).DumpAsync(7);
        var dumped = Assert.Single(log.Events, e => e.MessageTemplate.Text == "Dumped {Count} conntrack entries of VM {VmId} ({Bytes} bytes)");
        Assert.Equal("\"node-a\"", dumped.Properties["Netns"].ToString());
        Assert.Equal("7", dumped.Properties["VmId"].ToString());
        Assert.Equal($"\"{typeof(LinuxConntrackDriver).FullName}\"", dumped.Properties["SourceContext"].ToString());
    }
}
