using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>Small builders for balance tests: nodes of 64 GiB / 16 CPUs, VMs by GiB and cores.</summary>
internal static class BalanceFixtures
{
    public const long GiB = 1024L * 1024 * 1024;
    public static readonly DateTimeOffset At = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    public static NodeCapacity Node(string name, long memGiB = 64, int cpus = 16, bool online = true, bool maintenance = false,
        string version = "8.2.4", string vendor = "GenuineIntel") => new(name, online, maintenance, memGiB * GiB, cpus, version, vendor);

    public static VmDemand Vm(int vmid, string node, double memGiB = 4, double cores = 1, bool running = true, long? configGiB = null,
        int vcpus = 2, string? lockName = null) =>
        new(vmid, node, running, (configGiB ?? (long)Math.Ceiling(memGiB)) * GiB, vcpus, (long)(memGiB * GiB), cores, lockName);

    public static BalanceObservation Obs(IEnumerable<NodeCapacity> nodes, IEnumerable<VmDemand> vms, IReadOnlyDictionary<int, MoveBlock>? blocks = null,
        IReadOnlyDictionary<int, HaGroup>? groups = null, IReadOnlyList<AffinityRule>? rules = null,
        IReadOnlyDictionary<int, DateTimeOffset>? lastMoved = null, bool warm = true) =>
        new(nodes.ToList(), vms.ToList(), blocks ?? new Dictionary<int, MoveBlock>(), groups ?? new Dictionary<int, HaGroup>(),
            rules ?? [], lastMoved ?? new Dictionary<int, DateTimeOffset>(), warm);

    /// <summary>Three nodes; node1 carries 8 VMs of 6 GiB / 1.5 cores, the others 1 each (score well above 0.1).</summary>
    public static (List<NodeCapacity> Nodes, List<VmDemand> Vms) Skewed3()
    {
        var nodes = new List<NodeCapacity> { Node("node1"), Node("node2"), Node("node3") };
        var vms = Enumerable.Range(100, 8).Select(i => Vm(i, "node1", 6, 1.5)).ToList();
        vms.Add(Vm(200, "node2", 6, 1.5));
        vms.Add(Vm(300, "node3", 6, 1.5));
        return (nodes, vms);
    }

    public static HaGroup Group(string name, bool restricted, params (string Node, int Priority)[] nodes) =>
        new(name, nodes.Select(n => new HaGroupNode(n.Node, n.Priority)).ToList(), restricted, null, null);

    /// <summary>Applies a plan's moves to the VM list (the moved VMs' node changes).</summary>
    public static List<VmDemand> Apply(IEnumerable<VmDemand> vms, RebalancePlan plan)
    {
        var to = plan.Moves.ToDictionary(m => m.VmId, m => m.To);
        return vms.Select(v => to.TryGetValue(v.VmId, out var n) ? v with { Node = n } : v).ToList();
    }
}
