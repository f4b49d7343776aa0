namespace ActorMigration.Drivers.Simulated;

/// <summary>Guest memory workload: from <c>-sim-dirty-rate</c> / <c>-sim-working-set</c> in the VM's args, else defaults.</summary>
public sealed record Workload(double DirtyRateBytesPerSec, long WorkingSetBytes)
{
    public static Workload FromArgs(string? args, SimulationOptions defaults)
    {
        double rate = defaults.DirtyRateBytesPerSec;
        var ws = defaults.WorkingSetBytes;
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
            }
        }
        return new Workload(rate, ws);
    }
}
