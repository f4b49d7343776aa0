using ActorMigration.Drivers.Qemu.Conntrack;

namespace ActorMigration.Conntrack.Tests.Infrastructure;

/// <summary>Runs helper commands for tests (no shell).</summary>
public static class Sh
{
    public static Task<ConntrackCommandResult> Run(params string[] argv) =>
        ProcessCommandRunner.Instance.RunAsync(argv, null, TimeSpan.FromSeconds(60), CancellationToken.None);

    public static async Task<ConntrackCommandResult> RunOk(params string[] argv)
    {
        var r = await Run(argv);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"'{string.Join(' ', argv)}' exited {r.ExitCode}: {r.StdErr.Trim()}");
        return r;
    }
}

/// <summary>
/// A network namespace owned by this test run ("amct-&lt;pid&gt;-&lt;n&gt;-&lt;role&gt;"), loopback up,
/// deleted on dispose. Leftovers of dead test processes are removed on first use.
/// </summary>
public sealed class Netns : IAsyncDisposable
{
    public const string Prefix = "amct-";
    private static int _counter;
    private static readonly Lazy<Task> Setup = new(PrepareAsync);

    private Netns(string name) => Name = name;

    public string Name { get; }

    public static async Task<Netns> CreateAsync(string role)
    {
        await Setup.Value;
        var name = $"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}-{role}";
        await Sh.RunOk("ip", "netns", "add", name);
        var ns = new Netns(name);
        try
        {
            await Sh.RunOk("ip", "-n", name, "link", "set", "lo", "up");
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
        return ns;
    }

    /// <summary>conntrack inside this namespace; throws when it fails.</summary>
    public Task<ConntrackCommandResult> Conntrack(params string[] args) =>
        Sh.RunOk(["ip", "netns", "exec", Name, "conntrack", .. args]);

    /// <summary>Loads an nft ruleset (text) into this namespace.</summary>
    public async Task Nft(string ruleset)
    {
        var r = await ProcessCommandRunner.Instance.RunAsync(
            ["ip", "netns", "exec", Name, "nft", "-f", "-"], ruleset, TimeSpan.FromSeconds(30), CancellationToken.None);
        if (r.ExitCode != 0) throw new InvalidOperationException($"nft failed in {Name}: {r.StdErr.Trim()}");
    }

    public async ValueTask DisposeAsync()
    {
        var r = await Sh.Run("ip", "netns", "del", Name);
        if (r.ExitCode != 0 && File.Exists($"/run/netns/{Name}"))
            throw new InvalidOperationException($"cannot delete netns {Name}: {r.StdErr.Trim()}");
    }

    private static async Task PrepareAsync()
    {
        await Prerequisites.CheckAsync();
        if (!Directory.Exists("/run/netns")) return;
        foreach (var path in Directory.GetFiles("/run/netns", Prefix + "*"))
        {
            var name = Path.GetFileName(path);
            var pid = name[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, out var p) && p != Environment.ProcessId && !Directory.Exists($"/proc/{p}"))
                await Sh.Run("ip", "netns", "del", name);
        }
    }
}

/// <summary>Fails (never skips) with a clear message when the machine is not prepared.</summary>
public static class Prerequisites
{
    private const string Hint = "prepare the machine with 'scripts/netns.sh prepare' (root, conntrack, iproute2, nftables)";

    public static async Task CheckAsync()
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException($"conntrack namespace tests need root; {Hint}");
        foreach (var tool in new[] { "ip", "conntrack" })
        {
            try
            {
                await Sh.Run(tool, "--version");
            }
            catch (ConntrackException e)
            {
                throw new InvalidOperationException($"'{tool}' is missing ({e.Message}); {Hint}", e);
            }
        }
    }

    public static async Task RequireNftAsync()
    {
        try
        {
            await Sh.Run("nft", "--version");
        }
        catch (ConntrackException e)
        {
            throw new InvalidOperationException($"'nft' is missing ({e.Message}); {Hint}", e);
        }
    }
}
