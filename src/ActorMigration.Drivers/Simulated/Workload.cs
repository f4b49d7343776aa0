using System.Globalization;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Guest workload: from <c>-sim-dirty-rate</c> / <c>-sim-working-set</c> in the VM's args, else defaults; measured use from
/// <c>-sim-cpu-load &lt;cores&gt;</c> / <c>-sim-mem-used &lt;size&gt;</c> (null: 0 cores, all configured memory).
/// </summary>
public sealed record Workload(double DirtyRateBytesPerSec, long WorkingSetBytes, double? CpuLoadCores = null, long? MemUsedBytes = null)
{
    public static Workload FromArgs(string? args, SimulationOptions defaults)
    {
        double rate = defaults.DirtyRateBytesPerSec;
        var ws = defaults.WorkingSetBytes;
        double? cpu = null;
        long? used = null;
        var tokens = (args ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < tokens.Length - 1; i++)
        {
            switch (tokens[i])
            {
                case "-sim-dirty-rate":
                    rate = ByteSize.TryParse(tokens[i + 1], out var r) ? r : throw new FormatException($"-sim-dirty-rate: invalid size '{tokens[i + 1]}'");
                    break;
                case "-sim-working-set":
                    ws = ByteSize.TryParse(tokens[i + 1], out var w) ? w : throw new FormatException($"-sim-working-set: invalid size '{tokens[i + 1]}'");
                    break;
                case "-sim-cpu-load":
                    cpu = double.TryParse(tokens[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var c) && c >= 0
                        ? c
                        : throw new FormatException($"-sim-cpu-load: invalid number of cores '{tokens[i + 1]}'");
                    break;
                case "-sim-mem-used":
                    used = ByteSize.TryParse(tokens[i + 1], out var u) ? u : throw new FormatException($"-sim-mem-used: invalid size '{tokens[i + 1]}'");
                    break;
            }
        }
        return new Workload(rate, ws, cpu, used);
    }
}
