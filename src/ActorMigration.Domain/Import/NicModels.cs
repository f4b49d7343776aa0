namespace ActorMigration.Domain.Import;

/// <summary>NIC model mapping for imports: e1000, e1000e and vmxnet3 are kept, anything else becomes e1000.</summary>
public static class NicModels
{
    public static readonly IReadOnlyList<string> Kept = ["e1000", "e1000e", "vmxnet3"];
    public const string Fallback = "e1000";

    public static string Map(string? sourceModel)
    {
        var m = sourceModel?.Trim().ToLowerInvariant();
        return m is not null && Kept.Contains(m) ? m : Fallback;
    }
}
