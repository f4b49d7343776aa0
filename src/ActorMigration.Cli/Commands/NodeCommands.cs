using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Commands;

/// <summary>migrateall, node maintenance.</summary>
public static class NodeCommands
{
    public static readonly CommandSpec[] Specs =
    [
        new("migrateall", "<node> <target> [--maxworkers N] [--vms 100,101] [--with-local-disks] [--no-wait]",
            "Migrate all guests of a node (Proxmox's migrateall); the task lists each child's UPID", 2, 2,
            ["maxworkers", "vms", "with-local-disks", "no-wait"], MigrateAll),
        new("node maintenance", "<node> on|off [--with-local-disks] [--no-wait]",
            "Put a node in maintenance (it receives nothing and its VMs are evacuated; the task reports those that stay) or take it out",
            2, 2, ["with-local-disks", "no-wait"], Maintenance),
    ];

    private static async Task<int> MigrateAll(CommandContext c)
    {
        var form = new Form()
            .Add("target", c.Words[1])
            .Add("maxworkers", c.Args.Opt("maxworkers"))
            .Add("vms", c.Args.Opt("vms"))
            .Add("with-local-disks", c.Args.Has("with-local-disks") ? true : null);
        return await c.FinishTaskAsync(await c.Api.PostAsync(Paths.MigrateAll(c.Words[0]), form, c.Cancel));
    }

    private static async Task<int> Maintenance(CommandContext c)
    {
        var node = c.Words[0];
        var on = c.Words[1] switch
        {
            "on" => true,
            "off" => false,
            _ => throw new UsageException("expected 'on' or 'off'"),
        };
        var form = new Form().Add("enable", on).Add("with-local-disks", c.Args.Has("with-local-disks") ? true : null);
        var started = await c.Api.PostAsync(Paths.Maintenance(node), form, c.Cancel);
        if (!on)
        {
            c.Out.Note($"node {node}: maintenance off");
            return 0;
        }
        if (!c.Args.Has("no-wait")) c.Out.Note($"node {node}: maintenance on, evacuating");
        return await c.FinishTaskAsync(started);
    }
}
