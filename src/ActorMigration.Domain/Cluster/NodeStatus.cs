namespace ActorMigration.Domain.Cluster;

/// <summary>Total, used and free bytes of a file system or memory; <paramref name="Avail"/> what an unprivileged user may take.</summary>
public sealed record SpaceUsage(long Total, long Used, long Free, long Avail);

/// <summary>The host's CPU as /proc/cpuinfo describes it.</summary>
public sealed record CpuFacts(string Model, int Cpus, int Sockets, int Cores, double Mhz, bool Hvm, string Flags);

/// <summary>The kernel as uname reports it.</summary>
public sealed record KernelFacts(string Sysname, string Release, string Version, string Machine);

/// <summary>
/// What /nodes/{node}/status reports of a node: uptime (s), load averages, CPU use (fraction of all CPUs since the last
/// sample) and I/O wait, memory, swap, the root file system, KSM's shared bytes, CPU and kernel.
/// </summary>
public sealed record NodeStatus(
    long Uptime,
    IReadOnlyList<double> LoadAvg,
    double Cpu,
    double Wait,
    SpaceUsage Memory,
    SpaceUsage Swap,
    SpaceUsage RootFs,
    long KsmShared,
    CpuFacts CpuInfo,
    KernelFacts Kernel);

/// <summary>A storage's space on a node (Proxmox's storage_info: total, used, avail), or inactive when it cannot be read.</summary>
public sealed record StorageSpace(string Storage, bool Active, long Total, long Used, long Avail);

/// <summary>A volume in a storage listing, with its file's change time (Unix seconds; 0 unknown).</summary>
public sealed record StorageVolume(Hypervisor.VolumeInfo Volume, long CTime);
