using System.Text.Json;
using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Commands;

/// <summary>task list | log | status | stop | wait.</summary>
public static class TaskCommands
{
    public static readonly CommandSpec[] Specs =
    [
        new("task list", "[--node N] [--limit N] [--vmid ID] [--json]", "List tasks (all nodes unless --node)", 0, 0,
            ["node", "limit", "vmid", "json"], List),
        new("task log", "<upid> [--json]", "Print a task's whole log", 1, 1, ["json"], Log),
        new("task status", "<upid> [--json]", "Show a task's status", 1, 1, ["json"], Status),
        new("task stop", "<upid>", "Stop a running task", 1, 1, [], Stop),
        new("task wait", "<upid>", "Follow a task's log until it ends", 1, 1, [], c => c.Tasks.WaitAsync(Upid.Parse(c.Words[0]))),
    ];

    private static async Task<int> List(CommandContext c)
    {
        var nodes = c.Args.Opt("node") is { } one
            ? [one]
            : (await c.Api.GetAsync(Paths.Nodes, ct: c.Cancel)).Data.Items().Select(n => n.Str("node")).ToList();
        var query = new Form().Add("limit", c.Args.Opt("limit")).Add("vmid", c.Args.Opt("vmid"));

        var tasks = new List<JsonElement>();
        var failed = false;
        foreach (var node in nodes)
        {
            try { tasks.AddRange((await c.Api.GetAsync(Paths.Tasks(node), query, c.Cancel)).Data.Items()); }
            catch (PveApiException e) when (nodes.Count > 1)
            {
                c.Out.Warn($"node {node}: {e.Text}");
                failed = true;
            }
        }
        tasks = tasks.OrderByDescending(t => t.Long("starttime") ?? 0).ToList();
        if (c.JsonOutput) c.Out.Json(tasks);
        else
        {
            var table = Output.Table("START", "NODE", "TYPE", "ID", "USER", "STATUS", "UPID");
            foreach (var t in tasks)
            {
                var status = t.Str("status") is { Length: > 0 } s ? s : "running";
                Output.Row(table, Format.Time(t.Long("starttime")), t.Str("node"), t.Str("type"), t.Str("id"),
                    t.Str("user"), status, t.Str("upid"));
            }
            c.Out.Write(table);
        }
        return failed ? 1 : 0;
    }

    private static async Task<int> Log(CommandContext c)
    {
        var upid = Upid.Parse(c.Words[0]);
        var query = new Form().Add("start", "0").Add("limit", "0");
        var data = (await c.Api.GetAsync(Paths.TaskLog(upid), query, c.Cancel)).Data;
        if (c.JsonOutput) { c.Out.Json(data); return 0; }
        foreach (var line in data.Items()) c.Out.Line(line.Str("t"));
        return 0;
    }

    private static async Task<int> Status(CommandContext c)
    {
        var upid = Upid.Parse(c.Words[0]);
        var data = (await c.Api.GetAsync(Paths.TaskStatus(upid), ct: c.Cancel)).Data;
        if (c.JsonOutput) { c.Out.Json(data); return 0; }
        var table = Output.Table("KEY", "VALUE");
        if (data.ValueKind == JsonValueKind.Object)
            foreach (var p in data.EnumerateObject())
                Output.Row(table, p.Name, p.Name == "starttime" ? Format.Time(Json.AsLong(p.Value)) : Json.AsText(p.Value));
        c.Out.Write(table);
        return 0;
    }

    private static async Task<int> Stop(CommandContext c)
    {
        var upid = Upid.Parse(c.Words[0]);
        await c.Api.DeleteAsync(Paths.Task(upid), ct: c.Cancel);
        c.Out.Line($"stop requested: {upid.Raw}");
        return 0;
    }
}
