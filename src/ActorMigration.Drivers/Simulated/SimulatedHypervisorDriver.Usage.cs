using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Simulated;

public sealed partial class SimulatedHypervisorDriver
{
    /// <summary>
    /// What each running (or paused) VM reports: <c>-sim-cpu-load</c> cores (0 when paused or unset) and <c>-sim-mem-used</c>
    /// (default: its configured memory, at most that), each times a deterministic noise factor of the VM and time bucket.
    /// Incoming and migrated-away copies report nothing: the VM counts once, where it runs.
    /// </summary>
    public async Task<IReadOnlyList<VmUsage>> UsageAsync(CancellationToken ct = default)
    {
        var dir = SimPaths.VmDir(_settings.RunDir);
        if (!Directory.Exists(dir)) return [];
        var now = _clock.Now;
        var bucket = (long)Math.Floor(now.ToUnixTimeMilliseconds() / 1000.0 * _clock.SpeedFactor / _options.LoadNoiseBucketSeconds);
        var list = new List<VmUsage>();
        await _gate.WaitAsync(ct);
        try
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
            {
                if (SimFiles.ReadJson<SimVmState>(file) is not { State: VmRunState.Running or VmRunState.Paused } vm) continue;
                var state = EffectiveState(vm);
                if (state is not (VmRunState.Running or VmRunState.Paused)) continue;
                var ram = vm.MemoryMiB * MiB;
                var cpu = state == VmRunState.Running ? (vm.CpuLoadCores ?? 0) * Noise(vm.VmId, bucket, 1) : 0;
                var mem = Math.Min(ram, (long)((vm.MemUsedBytes ?? ram) * Noise(vm.VmId, bucket, 2)));
                list.Add(new VmUsage(vm.VmId, cpu, mem));
            }
        }
        finally
        {
            _gate.Release();
        }
        return list.OrderBy(u => u.VmId).ToList();
    }

    /// <summary>1 ± load-noise, the same for a VM, time bucket and dimension on every node and member.</summary>
    private double Noise(int vmid, long bucket, int dimension)
    {
        if (_options.LoadNoise <= 0) return 1;
        var u = (SplitMix((ulong)vmid * 0x9E3779B97F4A7C15UL ^ (ulong)bucket * 0xBF58476D1CE4E5B9UL ^ (ulong)dimension) >> 11) / (double)(1UL << 53);
        return 1 + _options.LoadNoise * (2 * u - 1);
    }

    private static ulong SplitMix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
