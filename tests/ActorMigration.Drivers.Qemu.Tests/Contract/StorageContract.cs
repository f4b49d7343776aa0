using System.Runtime.InteropServices;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>
/// What every <see cref="IStorageDriver"/> does, run against the simulated and the QEMU driver with the same inputs
/// and the same expected results (metadata and errors; the data itself is compared in the QEMU-only tests). Where a
/// driver truly cannot behave the same, the test says why. Only qemu-img and qemu-nbd run, no guest.
/// </summary>
public abstract partial class StorageContract(ITestOutputHelper output) : IAsyncLifetime
{
    protected const long MiB = 1 << 20;
    protected static readonly TimeSpan NoHang = TimeSpan.FromSeconds(30);

    private TestEnv? _env;
    protected TestEnv Env => _env ?? throw new InvalidOperationException("not initialized");

    /// <summary>A storage driver of this kind for a node.</summary>
    protected abstract IStorageDriver Open(NodeSettings settings);

    public async Task InitializeAsync() => _env = await TestEnv.CreateAsync(output, guest: false);

    public async Task DisposeAsync()
    {
        if (_env is not null) await _env.DisposeAsync();
    }

    /// <summary>Two dir storages per node: "local" and "other".</summary>
    protected IStorageDriver Node(string node = "node1") => Open(Env.SettingsFor(node) with
    {
        Storage = new StorageConfig([
            new StorageDefinition("local", "dir", Path.Combine(Env.Root, "storage", "{node}"), false,
                ["images", "import", "backup", "iso"], null),
            new StorageDefinition("other", "dir", Path.Combine(Env.Root, "other", "{node}"), false, ["images"], null)
        ])
    });

    /// <summary>A directory of node1's "local" storage (created).</summary>
    protected string Dir(string sub, string node = "node1")
    {
        var dir = Path.Combine(Env.Root, "storage", node, sub);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A raw file of <paramref name="size"/> bytes placed in node1's import directory.</summary>
    protected string Import(string name, long size, string node = "node1")
    {
        var path = Path.Combine(Dir("import", node), name);
        Images.WritePatternRaw(path, size, 7);
        return $"local:import/{name}";
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    protected static void Fifo(string path) => Assert.Equal(0, mkfifo(path, Convert.ToUInt32("600", 8)));

    protected sealed class Recorder : IProgress<CopyProgress>
    {
        private readonly List<CopyProgress> _seen = new();

        public CopyProgress Last
        {
            get { lock (_seen) return _seen[^1]; }
        }

        public void Report(CopyProgress value)
        {
            lock (_seen) _seen.Add(value);
        }
    }
}

public sealed class SimulatedStorageContract(ITestOutputHelper output) : StorageContract(output)
{
    private readonly Simulated.SimulatedNodeDriverFactory _factory = new(new Simulated.SimulationOptions { InstantCopy = true });

    protected override IStorageDriver Open(NodeSettings settings) => _factory.Create(settings).Storage;
}

public sealed class QemuStorageContract(ITestOutputHelper output) : StorageContract(output)
{
    protected override IStorageDriver Open(NodeSettings settings) => new Storage.QemuStorageDriver(settings, Env.Options);
}
