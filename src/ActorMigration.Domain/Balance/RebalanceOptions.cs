using System.Globalization;

namespace ActorMigration.Domain.Balance;

/// <summary>The rebalancer's options (design15 §4.5) with their defaults; times in seconds.</summary>
public sealed record RebalanceOptions(
    string Mode = RebalanceModes.Manual,
    int Interval = 300,
    double Threshold = 0.10,
    double Target = 0.05,
    double MinGain = 0.005,
    int MaxMoves = 10,
    int Cooldown = 1800,
    double MemWeight = 0.5,
    double CpuWeight = 0.5,
    bool WithLocalDisks = false,
    double MemOvercommit = 1.0,
    int SampleInterval = 10,
    int Smoothing = 120)
{
    public static readonly RebalanceOptions Default = new();

    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan CooldownSpan => TimeSpan.FromSeconds(Cooldown);

    /// <summary>Errors by API key (empty = valid), for a 400 <c>{"errors":{...}}</c> answer.</summary>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var e = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!RebalanceModes.All.Contains(Mode))
            e["mode"] = $"value '{Mode}' does not have a value in the enumeration '{string.Join(", ", RebalanceModes.All)}'";
        Min("interval", Interval, 10);
        Range("threshold", Threshold, 0, 1);
        Range("target", Target, 0, 1);
        if (!e.ContainsKey("target") && !e.ContainsKey("threshold") && Target >= Threshold)
            e["target"] = $"must be lower than threshold ({Num(Threshold)})";
        Min("min-gain", MinGain, 0);
        Range("max-moves", MaxMoves, 1, 1000);
        Min("cooldown", Cooldown, 0);
        Min("mem-weight", MemWeight, 0);
        Min("cpu-weight", CpuWeight, 0);
        if (MemWeight == 0 && CpuWeight == 0) e["cpu-weight"] = "mem-weight and cpu-weight must not both be 0";
        Min("mem-overcommit", MemOvercommit, 1);
        Min("sample-interval", SampleInterval, 1);
        Min("smoothing", Smoothing, 0);
        return e;

        void Min(string key, double v, double min)
        {
            if (v < min) e[key] = $"value must have a minimum value of {Num(min)}";
        }
        void Range(string key, double v, double min, double max)
        {
            if (v < min) e[key] = $"value must have a minimum value of {Num(min)}";
            else if (v > max) e[key] = $"value must have a maximum value of {Num(max)}";
        }
    }

    private static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);
}

public static class RebalanceModes
{
    public const string Off = "off";
    public const string Manual = "manual";
    public const string Auto = "auto";
    public static readonly string[] All = [Off, Manual, Auto];
}
