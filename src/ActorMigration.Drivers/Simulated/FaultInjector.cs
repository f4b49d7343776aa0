using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Decides whether an injected failure fires; counts firings per rule (in memory or in a shared file).</summary>
public sealed class FaultInjector
{
    private readonly ILogger _log;
    private readonly IReadOnlyList<FaultRule> _rules;
    private readonly string? _stateFile;
    private readonly int[] _fired;
    private readonly object _lock = new();

    public FaultInjector(IReadOnlyList<FaultRule> rules, string? stateFile = null, ILogger<FaultInjector>? log = null)
    {
        _log = log ?? NullLogger<FaultInjector>.Instance;
        _rules = rules;
        _stateFile = stateFile;
        _fired = new int[rules.Count];
    }

    /// <summary>The first matching rule that still has firings left, counted as fired; null if none.</summary>
    public FaultRule? TryFire(string phase, string node, int? vmid)
    {
        if (_rules.Count == 0) return null;
        lock (_lock)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];
                if (!rule.Matches(phase, node, vmid)) continue;
                if (!Consume(i, rule)) continue;
                _log.LogWarning("Injecting simulated failure {Phase} on {Node} for VM {VmId}", phase, node, vmid);
                return rule;
            }
        }
        return null;
    }

    private bool Consume(int index, FaultRule rule)
    {
        if (_stateFile is null)
        {
            if (rule.Times is { } t && _fired[index] >= t) return false;
            _fired[index]++;
            return true;
        }
        var key = $"{index}:{rule}";
        using var fs = OpenLocked(_stateFile);
        var counts = fs.Length == 0
            ? new Dictionary<string, int>()
            : JsonSerializer.Deserialize<Dictionary<string, int>>(fs) ?? new Dictionary<string, int>();
        counts.TryGetValue(key, out var n);
        if (rule.Times is { } times && n >= times) return false;
        counts[key] = n + 1;
        fs.SetLength(0);
        fs.Position = 0;
        JsonSerializer.Serialize(fs, counts);
        return true;
    }

    private static FileStream OpenLocked(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(10);
            }
        }
    }
}
