namespace ActorMigration.Domain.Balance;

/// <summary>
/// The projected load of the eligible nodes, keeping Σu and Σu² per dimension so the score after a move is O(1).
/// <see cref="Committed"/> is the configured memory of running VMs plus planned incoming ones; planned outgoing moves never
/// lower it, so any subset of a plan keeps the memory rule. Mutable working state of one planning run.
/// </summary>
public sealed class ScoreBoard
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<NodeCapacity> _nodes = [];
    private readonly List<double> _mem = [], _cpu = [];
    private readonly List<long> _committed = [];
    private readonly double _wm, _wc;
    private double _sm, _sm2, _sc, _sc2;

    public ScoreBoard(IEnumerable<NodeCapacity> nodes, IEnumerable<VmDemand> vms, double memWeight, double cpuWeight)
    {
        (_wm, _wc) = ImbalanceScore.Normalize(memWeight, cpuWeight);
        foreach (var n in nodes.Where(n => n.Eligible).OrderBy(n => n.Node, StringComparer.Ordinal))
        {
            _index[n.Node] = _nodes.Count;
            _nodes.Add(n);
            _mem.Add(0);
            _cpu.Add(0);
            _committed.Add(0);
        }
        foreach (var v in vms.Where(v => v.Running))
        {
            if (!_index.TryGetValue(v.Node, out var i)) continue;
            _mem[i] += v.Mem;
            _cpu[i] += v.Cpu;
            _committed[i] += v.ConfigMem;
        }
        for (var i = 0; i < _nodes.Count; i++)
        {
            var (m, c) = (M(i), C(i));
            _sm += m;
            _sm2 += m * m;
            _sc += c;
            _sc2 += c * c;
        }
    }

    public IReadOnlyList<NodeCapacity> Nodes => _nodes;

    public bool Has(string node) => _index.ContainsKey(node);

    public NodeCapacity? Node(string node) => _index.TryGetValue(node, out var i) ? _nodes[i] : null;

    public double Score => Combine(_sm, _sm2, _sc, _sc2);

    public double MemUtil(string node) => _index.TryGetValue(node, out var i) ? M(i) : 0;

    public double CpuUtil(string node) => _index.TryGetValue(node, out var i) ? C(i) : 0;

    /// <summary>The node's weighted load <c>w_mem·m + w_cpu·c</c>.</summary>
    public double Load(string node) => _index.TryGetValue(node, out var i) ? _wm * M(i) + _wc * C(i) : 0;

    public double MeanLoad => _nodes.Count == 0 ? 0 : (_wm * _sm + _wc * _sc) / _nodes.Count;

    public long Committed(string node) => _index.TryGetValue(node, out var i) ? _committed[i] : 0;

    /// <summary>The score if <paramref name="mem"/>/<paramref name="cpu"/> moved from one node to another (either may be ineligible).</summary>
    public double ScoreAfter(string from, string to, double mem, double cpu)
    {
        if (from == to) return Score;
        double sm = _sm, sm2 = _sm2, sc = _sc, sc2 = _sc2;
        if (_index.TryGetValue(from, out var a)) Shift(a, -mem, -cpu, ref sm, ref sm2, ref sc, ref sc2);
        if (_index.TryGetValue(to, out var b)) Shift(b, mem, cpu, ref sm, ref sm2, ref sc, ref sc2);
        return Combine(sm, sm2, sc, sc2);
    }

    /// <summary>Applies a planned move.</summary>
    public void Move(string from, string to, double mem, double cpu, long configMem)
    {
        if (_index.TryGetValue(from, out var a))
        {
            Shift(a, -mem, -cpu, ref _sm, ref _sm2, ref _sc, ref _sc2);
            _mem[a] -= mem;
            _cpu[a] -= cpu;
        }
        if (_index.TryGetValue(to, out var b))
        {
            Shift(b, mem, cpu, ref _sm, ref _sm2, ref _sc, ref _sc2);
            _mem[b] += mem;
            _cpu[b] += cpu;
            _committed[b] += configMem;
        }
    }

    private double M(int i) => _mem[i] / _nodes[i].MaxMem;

    private double C(int i) => _cpu[i] / _nodes[i].MaxCpu;

    // Replaces node i's utilisation terms in the sums by those after adding dm/dc.
    private void Shift(int i, double dm, double dc, ref double sm, ref double sm2, ref double sc, ref double sc2)
    {
        var (m0, c0) = (M(i), C(i));
        var (m1, c1) = ((_mem[i] + dm) / _nodes[i].MaxMem, (_cpu[i] + dc) / _nodes[i].MaxCpu);
        sm += m1 - m0;
        sm2 += m1 * m1 - m0 * m0;
        sc += c1 - c0;
        sc2 += c1 * c1 - c0 * c0;
    }

    private double Combine(double sm, double sm2, double sc, double sc2) =>
        _wm * ImbalanceScore.Sigma(_nodes.Count, sm, sm2) + _wc * ImbalanceScore.Sigma(_nodes.Count, sc, sc2);
}
