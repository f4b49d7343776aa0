using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Node;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>
/// A temp directory with node drivers (run dir + per-node "local" dir storage). Disposing kills every
/// QEMU/qemu-nbd it left (by pidfile and by command line) and deletes the directory.
/// </summary>
public sealed class TestEnv : IAsyncDisposable
{
    public static readonly string BaseDir = Path.Combine(Path.GetTempPath(), "am-qemu-tests");
    private const int PortBase = 61000;
    private const int PortsPerNode = 20;
    private static int _nextRange;
    private static readonly object CleanupGate = new();
    private static bool _cleaned;

    private readonly List<QemuNodeDriver> _nodes = new();

    private TestEnv(string root, QemuDriverOptions options, LogCapture logs)
    {
        Root = root;
        Options = options;
        Logs = logs;
        Storage = new StorageConfig([
            new StorageDefinition("local", "dir", Path.Combine(root, "storage", "{node}"), false,
                ["images", "import", "backup", "iso"], null)
        ]);
    }

    public string Root { get; }
    public QemuDriverOptions Options { get; }
    public LogCapture Logs { get; }
    public StorageConfig Storage { get; }

    /// <summary>A new environment; <paramref name="guest"/> makes sure the guest image is built.</summary>
    public static async Task<TestEnv> CreateAsync(ITestOutputHelper? output = null, bool guest = true,
        Func<QemuDriverOptions, QemuDriverOptions>? configure = null)
    {
        CleanLeftovers();
        var logs = new LogCapture(output);
        var options = guest
            ? QemuDriverOptions.FromGuestImage(await GuestImageFixture.GetAsync())
            : new QemuDriverOptions();
        options = options with { Accelerator = "auto" };
        if (configure is not null) options = configure(options);
        var root = Path.Combine(BaseDir, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "owner.pid"), Environment.ProcessId.ToString());
        return new TestEnv(root, options, logs);
    }

    public NodeSettings SettingsFor(string node, int? ports = null) =>
        new(node, Path.Combine(Root, node, "run"), Storage,
            PortRangeStart: NextRange(ports ?? PortsPerNode, out var end), PortRangeEnd: end);

    public QemuNodeDriver AddNode(string node, int? ports = null, QemuDriverOptions? options = null) =>
        Track(new QemuNodeDriver(SettingsFor(node, ports), options ?? Options, loggers: Logs.Loggers));

    /// <summary>A brand new driver instance on the same run dir and ports (as after a member crash).</summary>
    public QemuNodeDriver Reopen(NodeSettings settings) => Track(new QemuNodeDriver(settings, Options, loggers: Logs.Loggers));

    private QemuNodeDriver Track(QemuNodeDriver d)
    {
        lock (_nodes) _nodes.Add(d);
        return d;
    }

    private static int NextRange(int count, out int end)
    {
        var slots = (count + PortsPerNode - 1) / PortsPerNode;
        var first = Interlocked.Add(ref _nextRange, slots) - slots;
        var start = PortBase + first * PortsPerNode % 3000;
        end = start + count - 1;
        return start;
    }

    /// <summary>Pids of live qemu-system processes started inside this environment.</summary>
    public IReadOnlyList<int> LiveQemuPids() => ProcessScan.Find(Root, "qemu-system");

    public async ValueTask DisposeAsync()
    {
        QemuNodeDriver[] nodes;
        lock (_nodes) nodes = _nodes.ToArray();
        foreach (var n in nodes)
        {
            try { await n.DisposeAsync(); } catch (Exception) { }
        }
        await ProcessScan.KillAllAsync(Root);
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }

    /// <summary>Kills what earlier, crashed test runs left behind (their owner process is gone).</summary>
    private static void CleanLeftovers()
    {
        lock (CleanupGate)
        {
            if (_cleaned) return;
            _cleaned = true;
            if (!Directory.Exists(BaseDir)) return;
            foreach (var dir in Directory.EnumerateDirectories(BaseDir))
            {
                var owner = File.Exists(Path.Combine(dir, "owner.pid")) && int.TryParse(File.ReadAllText(Path.Combine(dir, "owner.pid")), out var o) ? o : 0;
                if (owner > 0 && owner != Environment.ProcessId && Directory.Exists($"/proc/{owner}")) continue;
                ProcessScan.KillAllAsync(dir).GetAwaiter().GetResult();
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }
    }
}
