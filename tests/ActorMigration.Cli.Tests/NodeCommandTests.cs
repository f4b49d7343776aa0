namespace ActorMigration.Cli.Tests;

/// <summary>The issue 15 commands are found by their words and take their arguments.</summary>
public class NodeCommandTests
{
    [Fact]
    public void Migrateall_and_node_maintenance_are_found_with_their_arguments()
    {
        var (all, allArgs) = CommandTable.Find(["migrateall", "node1", "node2"]);
        Assert.Equal("migrateall", all!.Name);
        Assert.Equal(["node1", "node2"], allArgs);
        var (m, mArgs) = CommandTable.Find(["node", "maintenance", "node2", "on"]);
        Assert.Equal("node maintenance", m!.Name);
        Assert.Equal(["node2", "on"], mArgs);
        Assert.Throws<UsageException>(() => m.Validate(ParsedArgs.Parse(["node", "maintenance", "node2", "on", "--maxworkers", "1"]), 2));
        all.Validate(ParsedArgs.Parse(["migrateall", "node1", "node2", "--maxworkers", "2", "--vms", "100,101", "--with-local-disks"]), 2);
    }
}
