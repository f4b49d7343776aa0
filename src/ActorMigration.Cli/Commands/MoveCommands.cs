using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Commands;

/// <summary>migrate, clone, template.</summary>
public static class MoveCommands
{
    public static readonly CommandSpec[] Specs =
    [
        new("migrate", "<vmid> <target> [--online] [--with-local-disks] [--targetstorage S] [--bwlimit KiB/s] [--node N] [--no-wait]",
            "Migrate a VM to another node, with live progress", 2, 2,
            ["online", "with-local-disks", "targetstorage", "bwlimit", "node", "no-wait"], Migrate),
        new("clone", "<vmid> <newid> [--name N] [--full 0|1] [--target N] [--storage S] [--format F] [--snapname S] [--description D] [--pool P] " +
            "[--bwlimit KiB/s] [--node N] [--no-wait]",
            "Clone a VM or template", 2, 2,
            ["name", "full", "target", "storage", "format", "snapname", "description", "pool", "bwlimit", "node", "no-wait"], Clone),
        new("template", "<vmid> [--disk D] [--node N] [--no-wait]", "Convert a VM to a template", 1, 1,
            ["disk", "node", "no-wait"], Template),
    ];

    private static async Task<int> Migrate(CommandContext c)
    {
        var vmid = c.VmId(0);
        var target = c.Words[1];
        var node = await c.NodeOfAsync(vmid);
        var form = new Form()
            .Add("target", target)
            .Add("online", c.Args.Flag("online"))
            .Add("with-local-disks", c.Args.Flag("with-local-disks"))
            .Add("targetstorage", c.Args.Opt("targetstorage"))
            .Add("bwlimit", c.Args.Opt("bwlimit"));
        var started = await c.Api.PostAsync($"{Paths.Vm(node, vmid)}/migrate", form, c.Cancel);
        if (!c.Args.Has("no-wait")) c.Out.Note($"migrating VM {vmid} from {node} to {target}");
        return await c.FinishTaskAsync(started);
    }

    private static async Task<int> Clone(CommandContext c)
    {
        var vmid = c.VmId(0);
        var newid = c.VmId(1);
        bool? full = c.Args.Opt("full") is { } f ? Bools.Parse(f, "--full") : null;
        var node = await c.NodeOfAsync(vmid);
        var form = new Form()
            .Add("newid", newid.ToString())
            .Add("name", c.Args.Opt("name"))
            .Add("full", full)
            .Add("target", c.Args.Opt("target"))
            .Add("storage", c.Args.Opt("storage"))
            .Add("format", c.Args.Opt("format"))
            .Add("snapname", c.Args.Opt("snapname"))
            .Add("description", c.Args.Opt("description"))
            .Add("pool", c.Args.Opt("pool"))
            .Add("bwlimit", c.Args.Opt("bwlimit"));
        return await c.FinishTaskAsync(await c.Api.PostAsync($"{Paths.Vm(node, vmid)}/clone", form, c.Cancel));
    }

    private static async Task<int> Template(CommandContext c)
    {
        var vmid = c.VmId(0);
        var node = await c.NodeOfAsync(vmid);
        var form = new Form().Add("disk", c.Args.Opt("disk"));
        return await c.FinishTaskAsync(await c.Api.PostAsync($"{Paths.Vm(node, vmid)}/template", form, c.Cancel));
    }
}
