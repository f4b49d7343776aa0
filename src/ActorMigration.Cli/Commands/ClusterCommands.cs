using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Commands;

/// <summary>nodes, nextid, vm list.</summary>
public static class ClusterCommands
{
    public static readonly CommandSpec[] Specs =
    [
        new("nodes", "[--json]", "List the cluster nodes", 0, 0, ["json"], Nodes),
        new("nextid", "[--json]", "Print the next free VM id", 0, 0, ["json"], NextId),
        new("vm list", "[--node N] [--json]", "List VMs (from /cluster/resources)", 0, 0, ["node", "json"], VmList),
    ];

    private static async Task<int> Nodes(CommandContext c)
    {
        var data = (await c.Api.GetAsync(Paths.Nodes, ct: c.Cancel)).Data;
        if (c.JsonOutput) { c.Out.Json(data); return 0; }

        var table = Output.Table("NODE", "STATUS", "CPU", "MEMORY", "UPTIME");
        foreach (var n in data.Items().OrderBy(n => n.Str("node"), StringComparer.Ordinal))
        {
            var cpu = n.Double("cpu") is { } f ? $"{Format.Percent(f)} of {n.Long("maxcpu")}" : "";
            var mem = n.Long("maxmem") is { } max ? $"{Format.Bytes(n.Long("mem"))} / {Format.Bytes(max)}" : "";
            Output.Row(table, n.Str("node"), n.Str("status"), cpu, mem, Format.Duration(n.Long("uptime")));
        }
        c.Out.Write(table);
        return 0;
    }

    private static async Task<int> NextId(CommandContext c)
    {
        var data = (await c.Api.GetAsync(Paths.NextId, ct: c.Cancel)).Data;
        if (c.JsonOutput) c.Out.Json(data);
        else c.Out.Line(Json.AsText(data));
        return 0;
    }

    private static async Task<int> VmList(CommandContext c)
    {
        var data = (await c.Api.GetAsync(Paths.Resources, new Form().Add("type", "vm"), c.Cancel)).Data;
        var node = c.Args.Opt("node");
        var vms = data.Items()
            .Where(v => node is null || v.Str("node") == node)
            .OrderBy(v => v.Long("vmid") ?? 0)
            .ToList();
        if (c.JsonOutput) { c.Out.Json(vms); return 0; }

        var table = Output.Table("VMID", "NAME", "NODE", "STATUS", "LOCK", "TEMPLATE");
        foreach (var v in vms)
            Output.Row(table, v.Str("vmid"), v.Str("name"), v.Str("node"), v.Str("status"), v.Str("lock"),
                v.Long("template") == 1 ? "yes" : "");
        c.Out.Write(table);
        return 0;
    }
}
