using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Simulated;

/// <summary>What a simulated QEMU process is: one JSON file per VM in the node's run dir.</summary>
internal sealed class SimVmState
{
    public int VmId { get; set; }
    public string? Tag { get; set; }
    public string Name { get; set; } = "";
    public long MemoryMiB { get; set; }
    public int Cores { get; set; }
    public int Sockets { get; set; }
    public string Machine { get; set; } = "";
    /// <summary>The <c>cpu</c> option the VM was started with (null: the default model).</summary>
    public string? Cpu { get; set; }
    public string QemuVersion { get; set; } = "";
    public string? VmGenId { get; set; }
    public string? SmbiosUuid { get; set; }
    public List<SimDisk> Disks { get; set; } = new();
    /// <summary>A virtio-scsi controller was hot-plugged.</summary>
    public bool ScsiController { get; set; }
    /// <summary>The MAC each NIC was started with, in NIC order (null: QEMU's default); hot-plugged NICs follow.</summary>
    public List<string?> Macs { get; set; } = new();
    /// <summary>The NICs' device ids (netN), as <see cref="Macs"/>.</summary>
    public List<string> Nics { get; set; } = new();
    public VmRunState State { get; set; }
    public int Pid { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public double SpeedFactor { get; set; } = 1;
    public int? IncomingPort { get; set; }
    public string? IncomingUri { get; set; }
    public int? NbdPort { get; set; }
    public string? NbdUri { get; set; }
    public List<string> NbdDrives { get; set; } = new();
    public double DirtyRateBytesPerSec { get; set; }
    public long WorkingSetBytes { get; set; }
    /// <summary>Measured CPU use (cores) this VM reports (<c>-sim-cpu-load</c>); null: 0.</summary>
    public double? CpuLoadCores { get; set; }
    /// <summary>Measured memory use this VM reports (<c>-sim-mem-used</c>); null: its configured memory.</summary>
    public long? MemUsedBytes { get; set; }
    public SimMigrationState? Migration { get; set; }
    public Dictionary<string, SimBlockJobState> BlockJobs { get; set; } = new();
    /// <summary>Snapshots this run saved its RAM state into.</summary>
    public List<string> SavedStates { get; set; } = new();
    /// <summary>The snapshot whose RAM state this run started from (-loadvm), or null.</summary>
    public string? LoadedState { get; set; }
    /// <summary>The guest agent channel (virtio, isa) the VM was started with; the simulated guest runs an agent on it. Null: none.</summary>
    public string? Agent { get; set; }
    /// <summary>system_reset calls since the start (the simulated guest's boots minus one).</summary>
    public int Resets { get; set; }

    public IEnumerable<int> Ports()
    {
        if (IncomingPort is { } a) yield return a;
        if (NbdPort is { } b) yield return b;
    }
}

internal sealed class SimDisk
{
    public string Drive { get; set; } = "";
    public string? Path { get; set; }
    public string Format { get; set; } = "raw";
    public long SizeBytes { get; set; }
    public bool Cdrom { get; set; }
    /// <summary>False for a block node added without its device yet (hot-plug in two steps).</summary>
    public bool Device { get; set; } = true;
}

/// <summary>An outgoing migration: start time and parameters; its state follows from the clock.</summary>
internal sealed class SimMigrationState
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");
    public string Uri { get; set; } = "";
    public string? TargetNode { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public double SpeedFactor { get; set; } = 1;
    public MigrationParams Params { get; set; } = null!;
    public string? FaultPhase { get; set; }
    public int FaultIteration { get; set; } = 1;
    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>Tuning and post-copy, in the order they were made (simulated seconds since the start).</summary>
    public List<MigrationChange> Changes { get; set; } = [];

    /// <summary>The final outcome was applied to the VM's run state (e.g. PostMigrate).</summary>
    public bool Applied { get; set; }
}

/// <summary>A drive-mirror job: progress by bandwidth since start.</summary>
internal sealed class SimBlockJobState
{
    public string Drive { get; set; } = "";
    public string Target { get; set; } = "";
    public string Format { get; set; } = "raw";
    public long Length { get; set; }
    public double BandwidthBytesPerSec { get; set; }
    public bool Instant { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public double SpeedFactor { get; set; } = 1;
    public bool Fail { get; set; }
}

/// <summary>When an incoming VM stopped before it was resumed (<see cref="SimPaths.GoneFile"/>).</summary>
public sealed record SimTargetGone(DateTimeOffset At);
