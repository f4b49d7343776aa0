using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

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

    [Fact]
    public async Task Migrateall_and_maintenance_post_to_the_nodes_paths_and_follow_the_task()
    {
        const string Upid = "UPID:node1:00000000:00000001:675F0000:migrateall::root@pam:";
        await using var pve = await FakePve.StartAsync();
        pve.On("POST", "nodes/node1/migrateall", Reply.Data($"\"{Upid}\""));
        pve.On("POST", "nodes/node1/maintenance", Reply.Data("null"));
        new FakeTask(Upid, ["all done", "TASK OK"], "OK").Register(pve);

        var all = await Run(pve, "migrateall", "node1", "node2", "--maxworkers", "2");
        Assert.True(all.Code == 0, all.Output);
        Assert.Equal(new Dictionary<string, string> { ["target"] = "node2", ["maxworkers"] = "2" },
            Assert.Single(pve.Sent("POST", "nodes/node1/migrateall")).Form);

        var off = await Run(pve, "node", "maintenance", "node1", "off");
        Assert.True(off.Code == 0, off.Output);
        Assert.Equal("0", Assert.Single(pve.Sent("POST", "nodes/node1/maintenance")).Form["enable"]);
    }
}
