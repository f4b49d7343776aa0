using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Drivers.Tests.Simulated;

/// <summary>A temp dir with per-node run dirs, a per-node storage "local" and a shared storage "shared".</summary>
public sealed class SimEnv : IDisposable
{
    public const long MiB = 1024 * 1024;
    public const long GiB = 1024 * MiB;

    public SimEnv(SimulationOptions? options = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "sim-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Options = options ?? new SimulationOptions();
        Storage = StorageConfig.Parse(
            $"dir: local\n\tpath {Root}/{{node}}/local\n\tcontent images,iso,backup,import\n\n" +
            $"dir: shared\n\tpath {Root}/shared\n\tcontent images,backup\n\tshared 1\n");
    }

    public string Root { get; }
    public ManualTimeProvider Clock { get; } = new();
    public SimulationOptions Options { get; }
    public StorageConfig Storage { get; }

    private SimulatedNodeDriverFactory? _factory;
    public SimulatedNodeDriverFactory Factory => _factory ??= new SimulatedNodeDriverFactory(Options, Clock);

    public NodeSettings Settings(string node, int firstPort = 60000, int lastPort = 60009) =>
        new(node, Path.Combine(Root, node, "run"), Storage, PortRangeStart: firstPort, PortRangeEnd: lastPort);

    public INodeDriver Node(string node = "pve1") => Factory.Create(Settings(node));

    public static VmLaunchSpec Spec(int vmid, long memoryMiB = 1024, string? args = null, IncomingSpec? incoming = null,
        string? tag = null, IReadOnlyList<DiskLaunch>? disks = null, string? vmgenid = null) =>
        new(vmid, $"vm{vmid}", memoryMiB, 2, 1, null, vmgenid, null, disks ?? [], [], args, incoming, tag);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
