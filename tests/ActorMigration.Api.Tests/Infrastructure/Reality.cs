using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Infrastructure;

/// <summary>What really runs on a node, read from the simulated driver's run directory (not through our actors).</summary>
public static class Reality
{
    public static string? SimVmState(string dataDir, string node, int vmid)
    {
        var file = Path.Combine(dataDir, "run", node, "sim", "vms", $"{vmid}.json");
        if (!File.Exists(file)) return null;
        return JsonNode.Parse(File.ReadAllText(file))?["state"]?.ToString();
    }

    /// <summary>Nodes where the VM has a live (not stopped) simulated process.</summary>
    public static IReadOnlyList<string> NodesRunning(string dataDir, int vmid, params string[] nodes) =>
        nodes.Where(n => SimVmState(dataDir, n, vmid) is { } s && !s.Equals("Stopped", StringComparison.OrdinalIgnoreCase)).ToList();
}
