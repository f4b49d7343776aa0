using ActorMigration.Domain.Workflows.Migration.Convergence;

namespace ActorMigration.Bench.Convergence;

/// <summary>
/// The side-by-side matrix (issue 16, point 3): dirty-rate / bandwidth ratios × working sets × RAM sizes, each case run
/// by the engine's controller and by the peers' rules (plain QEMU, Proxmox, KubeVirt) on the simulator's migration model.
/// </summary>
public static class ConvergenceBench
{
    public const long GiB = 1L << 30;
    public const double Bandwidth = 125_000_000; // 1 Gbit/s
    public const long DowntimeLimitMs = 100;

    public static readonly double[] Ratios = [0.1, 0.5, 0.8, 1.0, 1.5, 3.0];
    public static readonly long[] RamSizes = [1 * GiB, 8 * GiB];
    public static readonly int[] WorkingSetPcts = [10, 100];

    /// <summary>The compared policies; the engine's first. With post-copy: an extra controller column that may use it.</summary>
    public static IReadOnlyList<(string Name, IConvergencePolicy Policy, bool PostCopy)> Policies(bool withPostcopy) =>
    [
        ("controller", ConvergenceController.Instance, false),
        .. withPostcopy ? new[] { ("controller+pc", (IConvergencePolicy)ConvergenceController.Instance, true) } : [],
        ("plain", new PlainQemuPolicy(), false),
        ("proxmox", new ProxmoxPolicy(), false),
        ("kubevirt", new KubeVirtPolicy(), false)
    ];

    public static IEnumerable<ConvergenceCase> Cases() =>
        from ram in RamSizes
        from ws in WorkingSetPcts
        from r in Ratios
        select new ConvergenceCase(ram, ram * ws / 100, r, Bandwidth);

    public static ConvergenceSettings Settings(ConvergenceCase c, bool postCopy) =>
        new(DowntimeLimitMs, ConvergenceSettings.DefaultMaxDowntimeMs(DowntimeLimitMs), postCopy, c.RamBytes);

    public static List<ConvergenceRun> Run(bool withPostcopy) =>
        (from c in Cases()
         from p in Policies(withPostcopy)
         select ConvergenceHarness.Run(p.Policy, c, Settings(c, p.PostCopy), p.Name)).ToList();
}
