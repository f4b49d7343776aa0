namespace ActorMigration.Drivers.Simulated;

/// <summary>Bandwidth between two nodes, both directions.</summary>
public sealed record LinkOverride(string NodeA, string NodeB, long BytesPerSec)
{
    public bool Connects(string a, string b) =>
        (Eq(NodeA, a) && Eq(NodeB, b)) || (Eq(NodeA, b) && Eq(NodeB, a));

    private static bool Eq(string x, string y) => string.Equals(x, y, StringComparison.OrdinalIgnoreCase);
}
