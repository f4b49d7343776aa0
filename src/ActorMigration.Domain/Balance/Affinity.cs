namespace ActorMigration.Domain.Balance;

/// <summary>A Proxmox 9 HA <c>resource-affinity</c> rule: keep the VMs together (positive) or apart (negative).</summary>
public sealed record AffinityRule(string Name, string Kind, IReadOnlyList<int> VmIds)
{
    public const string Positive = "positive";
    public const string Negative = "negative";

    public bool KeepTogether => Kind == Positive;
    public bool KeepApart => Kind == Negative;
}
