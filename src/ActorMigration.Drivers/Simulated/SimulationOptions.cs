using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Tunables of the simulated driver. Rates are bytes per <em>simulated</em> second. Load from a dictionary
/// (<see cref="SimulationOptionsParser.FromDictionary"/>) or a file (<see cref="SimulationOptionsParser.Load"/>).
/// </summary>
public sealed class SimulationOptions
{
    /// <summary>Simulated seconds per real second (10 = ten times faster).</summary>
    public double SpeedFactor { get; set; } = 1;

    /// <summary>Migration/NBD link bandwidth between any two nodes (default 1 Gbit/s).</summary>
    public long LinkBandwidthBytesPerSec { get; set; } = 125_000_000;

    /// <summary>Per node-pair bandwidth, both directions.</summary>
    public List<LinkOverride> Links { get; set; } = new();

    /// <summary>Local copy speed (convert, backup, restore, local mirror).</summary>
    public long DiskBandwidthBytesPerSec { get; set; } = 500L * 1024 * 1024;

    /// <summary>Guest dirty rate unless the VM's args say <c>-sim-dirty-rate</c>.</summary>
    public long DirtyRateBytesPerSec { get; set; } = 8L * 1024 * 1024;

    /// <summary>Guest working set unless the VM's args say <c>-sim-working-set</c> (bounded by RAM).</summary>
    public long WorkingSetBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Copies, mirrors and migrations cost no time (orchestration benchmarks).</summary>
    public bool InstantCopy { get; set; }

    /// <summary>Constant added to the stop-and-copy downtime (device state).</summary>
    public double SwitchoverOverheadMs { get; set; } = 5;

    /// <summary>Simulated time a guest needs for a graceful shutdown.</summary>
    public double GuestShutdownSeconds { get; set; } = 1;

    /// <summary>Conntrack entries seeded when a VM starts (not for incoming VMs).</summary>
    public int ConntrackEntriesPerVm { get; set; } = 3;

    /// <summary>StartAsync fails like QEMU when a disk path does not exist.</summary>
    public bool CheckDiskFiles { get; set; } = true;

    /// <summary>Bridges every simulated node has besides <c>vmbr0</c>; a NIC on any other bridge fails to start, as on QEMU.</summary>
    public List<string> Bridges { get; set; } = new();

    /// <summary>What a simulated node knows of bridge <paramref name="name"/> (VLAN aware, MTU 1500), or null when it has none.</summary>
    public BridgeFacts? Bridge(string name) => name == "vmbr0" || Bridges.Contains(name) ? new BridgeFacts(1500, VlanAware: true) : null;

    /// <summary>A slow node: reporting its facts takes this long (real milliseconds).</summary>
    public int FactsDelayMs { get; set; }

    /// <summary>Node version when <c>NodeSettings.Version</c> is null.</summary>
    public string Version { get; set; } = "1.0.0";

    /// <summary>CPU vendor when <c>NodeSettings.CpuVendor</c> is null.</summary>
    public string CpuVendor { get; set; } = "GenuineIntel";

    public string QemuVersion { get; set; } = "9.2.0";
    public string DefaultMachine { get; set; } = "pc-i440fx-9.2+pve0";
    public string Accelerator { get; set; } = "kvm";
    public int MaxCpu { get; set; } = 16;
    public long MaxMemBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Size of every simulated storage (status: total; avail = total − the volumes' allocated bytes).</summary>
    public long StorageTotalBytes { get; set; } = 1L << 40;

    /// <summary>Waits at <see cref="HoldPoint"/>s, in real milliseconds (tests that act during a short phase).</summary>
    public Dictionary<string, int> Holds { get; set; } = new();

    /// <summary>
    /// Relative noise on reported usage (0.2 = ±20 %), deterministic per VM and time bucket (<see cref="LoadNoiseBucketSeconds"/>).
    /// </summary>
    public double LoadNoise { get; set; }

    /// <summary>Length of a noise bucket in simulated seconds: the noise of a VM stays the same within one.</summary>
    public double LoadNoiseBucketSeconds { get; set; } = 10;

    /// <summary>Injected failures.</summary>
    public List<FaultRule> Faults { get; set; } = new();

    /// <summary>
    /// When set, how often each fault fired is kept in this file, so <see cref="FaultRule.Times"/> holds across
    /// member restarts and processes. Otherwise counted per factory in memory.
    /// </summary>
    public string? FaultStateFile { get; set; }

    /// <summary>Bandwidth between two nodes (override or default).</summary>
    public long LinkBandwidth(string from, string? to)
    {
        if (to is not null)
            foreach (var l in Links)
                if (l.Connects(from, to)) return l.BytesPerSec;
        return LinkBandwidthBytesPerSec;
    }

    public void Validate()
    {
        if (!(SpeedFactor > 0)) throw new ArgumentException("SpeedFactor must be > 0");
        if (LinkBandwidthBytesPerSec <= 0 || DiskBandwidthBytesPerSec <= 0 || Links.Any(l => l.BytesPerSec <= 0))
            throw new ArgumentException("bandwidths must be > 0");
        if (DirtyRateBytesPerSec < 0 || WorkingSetBytes < 0) throw new ArgumentException("workload must be >= 0");
        if (LoadNoise is < 0 or >= 1 || !(LoadNoiseBucketSeconds > 0)) throw new ArgumentException("load-noise must be in [0, 1) and load-noise-bucket > 0");
    }
}
