using System.Text.Json.Nodes;

namespace ActorMigration.SystemTests.Cluster;

/// <summary>What the killed member is to one migration: it hosts its source node (and so runs its workflow), its target, or neither.</summary>
public enum Role { Source, Target, Bystander }

/// <summary>A phase of a migration as task status names it; offline phases migrate a stopped VM.</summary>
public sealed record MatrixPhase(string Name, bool Online)
{
    public override string ToString() => Name;
}

/// <summary>One of a case's three migrations: <see cref="Source"/> → <see cref="Target"/>, and its task.</summary>
public sealed record MatrixMigration(int VmId, string Source, string Target, string Upid)
{
    /// <summary>What the member hosting <paramref name="node"/> is to this migration.</summary>
    public Role RoleOf(string node) => node == Source ? Role.Source : node == Target ? Role.Target : Role.Bystander;
}

/// <summary>
/// Three members (node1..node3) on one PostgreSQL journal, shared by every case of the crash matrix: each case kills a
/// member, checks I1–I4 while it is gone, restarts it and checks them again, so the cluster is whole for the next case.
/// The simulator holds short phases for 3 s (<c>AM_SIM_HOLDS</c>) and reports facts after 2 s, so that prepare,
/// stop-and-copy, conntrack-transfer and cleanup last long enough to kill a member in them.
/// </summary>
public sealed class CrashMatrixCluster : IAsyncLifetime
{
    public ThreeMembers Three { get; private set; } = null!;

    public async Task InitializeAsync() => Three = await ThreeMembers.StartAsync(speed: "2", env: new Dictionary<string, string>
    {
        ["AM_SIM_HOLDS"] = "switchover:3000,conntrack:3000,cleanup:3000",
        ["AM_SIM_FACTS_DELAY_MS"] = "2000",
        ["AM_SIM_LINK_BANDWIDTH"] = "256M",
    });

    public async Task DisposeAsync() => await Three.DisposeAsync();

    /// <summary>Every member runs and sees all three nodes online (a failed case may have left one down).</summary>
    public async Task WholeAsync(Action<string>? mark = null)
    {
        foreach (var m in Three.Members.Where(m => m.Pid is null)) await m.StartAsync();
        foreach (var m in Three.Members)
        {
            await Three.WaitOnlineAsync(m, ThreeMembers.Nodes);
            mark?.Invoke($"m{Three.Members.ToList().IndexOf(m) + 1} sees all online");
        }
    }
}

/// <summary>The invariants after a case, read from reality (the members' run and storage directories) and the read model.</summary>
internal static class Invariants
{
    /// <summary>Waits up to 30 s for I1–I4 (a returning node cleans up, the read model follows) and fails with the last violation.</summary>
    public static async Task Hold(ThreeMembers three, PveClient api, MatrixMigration m, string owner, bool running, string? gone, string when)
    {
        string? violation = null;
        try
        {
            await PveClient.Eventually(async () => (violation = await Violation(three, api, m, owner, running, gone)) is null,
                TimeSpan.FromSeconds(30), when);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{when}, VM {m.VmId} {m.Source} → {m.Target}: {violation}");
        }
    }

    /// <summary>I1–I4 for the VM of <paramref name="m"/> owned by <paramref name="owner"/>; <paramref name="gone"/>: a node whose host is gone.</summary>
    public static async Task<string?> Violation(ThreeMembers three, PveClient api, MatrixMigration m, string owner, bool running, string? gone)
    {
        var vmid = m.VmId;
        foreach (var node in new[] { m.Source, m.Target }.Where(n => n != gone))
        {
            var member = three.Hosting(node);
            var state = Reality.SimVmState(member.DataDir, node, vmid);
            // I1: exactly one running copy, on the owner (unless the owner's host is gone); nothing alive elsewhere.
            if (node == owner && running && !string.Equals(state, "Running", StringComparison.OrdinalIgnoreCase))
                return $"I1: VM {vmid} on its owner {node} is {state ?? "not there"}";
            if (node == owner && !running && state is not null) return $"I1: stopped VM {vmid} is {state} on {node}";
            if (node != owner && state is not null) return $"I1: VM {vmid} is {state} on {node}, which is not its owner {owner}";
            // I4: no volume of the VM outside its owner.
            var images = Path.Combine(member.DataDir, "nodes", node, "local", "images", vmid.ToString());
            var files = Directory.Exists(images) ? Directory.GetFiles(images) : [];
            if (node != owner && files.Length > 0) return $"I4: orphan volumes on {node}: {string.Join(", ", files.Select(Path.GetFileName))}";
            if (node == owner && files.Length == 0) return $"I4: VM {vmid} has no volume on its owner {node}";
        }
        // I2: one record, on the owner (the listing is the read model: it may lag a moment).
        var list = await api.Get("/cluster/resources", ("type", "vm"));
        var entries = list.Data?.AsArray().Where(e => e?["vmid"]?.GetValue<int>() == vmid).ToList() ?? [];
        if (entries.Count != 1) return $"I2: VM {vmid} is listed {entries.Count} times";
        if (entries[0]!["node"]?.GetValue<string>() != owner) return $"I2: VM {vmid}'s record is on {entries[0]!["node"]}, not {owner}";
        // I3: no lock left.
        var cfg = await api.Get($"/nodes/{owner}/qemu/{vmid}/config");
        if (cfg.Status != System.Net.HttpStatusCode.OK) return $"I3: config of VM {vmid} unreadable: {cfg.Status} {cfg.Body}";
        if (cfg.Data!["lock"] is JsonNode l) return $"I3: VM {vmid} is still locked ({l})";
        return null;
    }
}
