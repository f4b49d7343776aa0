namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Fail at <see cref="Phase"/> (see <see cref="FaultPhase"/>), optionally only for one VM / node and only
/// <see cref="Times"/> times (null: always).
/// </summary>
public sealed record FaultRule(string Phase, int? VmId = null, int? Times = null, string? Node = null, int Iteration = 1)
{
    /// <summary>Compact form <c>phase[@vmid][*times]</c>, e.g. <c>stop-and-copy@100*1</c>.</summary>
    public static FaultRule ParseCompact(string text)
    {
        var s = text.Trim();
        int? times = null, vmid = null;
        var star = s.IndexOf('*');
        if (star >= 0)
        {
            times = int.Parse(s[(star + 1)..]);
            s = s[..star];
        }
        var at = s.IndexOf('@');
        if (at >= 0)
        {
            vmid = int.Parse(s[(at + 1)..]);
            s = s[..at];
        }
        return new FaultRule(FaultPhase.Normalize(s), vmid, times);
    }

    public bool Matches(string phase, string node, int? vmid) =>
        Phase == phase
        && (VmId is null || VmId == vmid)
        && (Node is null || string.Equals(Node, node, StringComparison.OrdinalIgnoreCase));
}
