namespace ActorMigration.Domain.Cluster;

/// <summary>What a hypervisor node reports about itself.</summary>
public sealed record NodeFacts(
    string Node,
    string Address,
    string Version,
    string CpuVendor,
    bool Online,
    int MaxCpu = 1,
    long MaxMem = 0,
    string Accelerator = "tcg");

/// <summary>Package versions such as <c>8.2.4</c> or <c>8.2.4-pve1</c>, compared numerically.</summary>
public static class PackageVersion
{
    public static int Compare(string a, string b)
    {
        var pa = Parts(a);
        var pb = Parts(b);
        for (var i = 0; i < Math.Max(pa.Length, pb.Length); i++)
        {
            var x = i < pa.Length ? pa[i] : 0;
            var y = i < pb.Length ? pb[i] : 0;
            if (x != y) return x.CompareTo(y);
        }
        return 0;
    }

    private static long[] Parts(string v) =>
        v.Split(['.', '-', '+', '~'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => new string(p.TakeWhile(char.IsDigit).ToArray()))
            .Select(p => p.Length == 0 ? 0 : long.Parse(p))
            .ToArray();
}
