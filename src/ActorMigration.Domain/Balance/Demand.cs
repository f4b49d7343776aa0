namespace ActorMigration.Domain.Balance;

/// <summary>
/// What a VM asks of its node: configured memory (bytes) and vCPUs, and the smoothed measured use when known.
/// <see cref="Lock"/> is the config's lock (null = unlocked).
/// </summary>
public sealed record VmDemand(int VmId, string Node, bool Running, long ConfigMem, int Vcpus, long? MemUsed, double? CpuCores, string? Lock = null)
{
    public bool Locked => Lock is not null;

    /// <summary>Memory counted by the score: measured use, else configured memory.</summary>
    public double Mem => MemUsed ?? ConfigMem;

    /// <summary>CPU counted by the score (cores): measured use, else configured vCPUs (Proxmox's static CRS).</summary>
    public double Cpu => CpuCores ?? Vcpus;
}

/// <summary>A node as balancing sees it: capacity and what it runs (for the migration rules: version, CPU vendor).</summary>
public sealed record NodeCapacity(string Node, bool Online, bool Maintenance, long MaxMem, int MaxCpu, string Version, string CpuVendor)
{
    /// <summary>Counts in the score and may receive VMs: online, not in maintenance, with a known size.</summary>
    public bool Eligible => Online && !Maintenance && MaxMem > 0 && MaxCpu > 0;
}
