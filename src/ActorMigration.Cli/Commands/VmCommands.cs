using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Commands;

/// <summary>vm create | config | set | start | stop.</summary>
public static class VmCommands
{
    public static readonly CommandSpec[] Specs =
    [
        new("vm create", "<node> <vmid> [--name N] [--memory MiB] [--cores N] [--scsi0 local:4] [--net0 virtio,bridge=vmbr0] [--start] [--param " +
            "key=value ...] [--no-wait]",
            "Create a VM (any other Proxmox option via --param)", 2, 2,
            ["name", "memory", "cores", "scsi0", "net0", "start", "param", "no-wait"], Create),
        new("vm config", "<vmid> [--node N] [--current] [--json]", "Show a VM's configuration", 1, 1,
            ["node", "current", "json"], Config),
        new("vm set", "<vmid> [key=value ...] [--delete k,k] [--node N]", "Change a VM's configuration", 1, -1,
            ["node", "delete"], Set),
        new("vm start", "<vmid> [--node N] [--timeout S] [--no-wait]", "Start a VM", 1, 1,
            ["node", "timeout", "no-wait"], c => Power(c, "start")),
        new("vm stop", "<vmid> [--node N] [--timeout S] [--no-wait]", "Stop a VM", 1, 1,
            ["node", "timeout", "no-wait"], c => Power(c, "stop")),
    ];

    private static async Task<int> Create(CommandContext c)
    {
        var node = c.Words[0];
        var vmid = c.VmId(1);
        var form = new Form()
            .Add("vmid", vmid.ToString())
            .Add("name", c.Args.Opt("name"))
            .Add("memory", c.Args.Opt("memory"))
            .Add("cores", c.Args.Opt("cores"))
            .Add("scsi0", c.Args.Opt("scsi0"))
            .Add("net0", c.Args.Opt("net0"))
            .Add("start", c.Args.Flag("start"))
            .AddPairs(c.Args.All("param"));
        return await c.FinishTaskAsync(await c.Api.PostAsync(Paths.Qemu(node), form, c.Cancel));
    }

    private static async Task<int> Config(CommandContext c)
    {
        var vmid = c.VmId(0);
        var node = await c.NodeOfAsync(vmid);
        var query = new Form().Add("current", c.Args.Flag("current"));
        var data = (await c.Api.GetAsync($"{Paths.Vm(node, vmid)}/config", query, c.Cancel)).Data;
        if (c.JsonOutput) { c.Out.Json(data); return 0; }

        var table = Output.Table("KEY", "VALUE");
        if (data.ValueKind == System.Text.Json.JsonValueKind.Object)
            foreach (var p in data.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                Output.Row(table, p.Name, Json.AsText(p.Value));
        c.Out.Note($"VM {vmid} on {node}");
        c.Out.Write(table);
        return 0;
    }

    private static async Task<int> Set(CommandContext c)
    {
        var vmid = c.VmId(0);
        var deletes = c.Args.All("delete");
        if (c.Words.Count < 2 && deletes.Count == 0)
            throw new UsageException("nothing to change: give key=value pairs and/or --delete");
        var form = new Form()
            .AddPairs(c.Words.Skip(1))
            .Add("delete", deletes.Count > 0 ? string.Join(",", deletes) : null);
        var node = await c.NodeOfAsync(vmid);
        await c.Api.PutAsync($"{Paths.Vm(node, vmid)}/config", form, c.Cancel);
        c.Out.Line($"VM {vmid}: configuration updated");
        return 0;
    }

    private static async Task<int> Power(CommandContext c, string action)
    {
        var vmid = c.VmId(0);
        var node = await c.NodeOfAsync(vmid);
        var form = new Form().Add("timeout", c.Args.Opt("timeout"));
        return await c.FinishTaskAsync(await c.Api.PostAsync($"{Paths.Vm(node, vmid)}/status/{action}", form, c.Cancel));
    }
}
