namespace ActorMigration.Domain.Balance;

/// <summary>
/// One measured sample of a running VM: CPU in cores (null when the driver has no earlier sample to take a delta from)
/// and used memory in bytes (QEMU: the process's resident set).
/// </summary>
public sealed record VmUsage(int VmId, double? CpuCores, long MemUsedBytes);
