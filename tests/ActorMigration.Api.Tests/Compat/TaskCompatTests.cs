using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Compat;

/// <summary>Checklist points 5–7: UPID format, task status fields, task log paging, stopping a task.</summary>
[Collection(CompatCollection.Name)]
public sealed class TaskCompatTests(ServerFixture f)
{
    private const string UpidRe =
        @"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$";

    private WireClient C => f.Wire();

    private static readonly ConditionalWeakTable<ServerFixture, Task<string>> Migrations = new();

    /// <summary>An offline migration with a local disk: a finished task with a log of several lines (one per member).</summary>
    private Task<string> FinishedMigration() => Migrations.GetValue(f, _ => Migrate());

    private async Task<string> Migrate()
    {
        var vmid = await f.CreateVm("node1", ("scsi0", "local:1"));
        var upid = await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        Assert.Equal("OK", await f.Client.Wait(upid));
        return upid;
    }

    [Fact]
    public async Task Upid_has_the_proxmox_format()
    {
        var vmid = f.NextVmId();
        var upid = await f.Client.Upid(f.Client.Post("/nodes/node2/qemu", ("vmid", vmid.ToString())));
        var m = Regex.Match(upid, UpidRe);
        Assert.True(m.Success, upid);
        Assert.Equal(9, upid.Split(':').Length); // proxmoxer's decode_upid needs exactly 9 segments
        Assert.EndsWith(":", upid);
        Assert.Equal("node2", m.Groups[1].Value);
        foreach (var g in new[] { 3, 4, 5 })
            Assert.Equal(m.Groups[g].Value.ToUpperInvariant(), m.Groups[g].Value);
        Assert.Equal(8, m.Groups[3].Value.Length);
        Assert.Equal(8, m.Groups[5].Value.Length);
        Assert.Equal("qmcreate", m.Groups[6].Value);
        Assert.Equal(vmid.ToString(), m.Groups[7].Value);
        Assert.Equal("root@pam!admin", m.Groups[8].Value);
        // starttime is the current Unix time.
        var start = Convert.ToInt64(m.Groups[5].Value, 16);
        Assert.InRange(start, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal("OK", await f.Client.Wait(upid));
    }

    [Fact]
    public async Task Task_status_has_the_proxmox_fields_and_types()
    {
        var upid = await FinishedMigration();
        var r = await C.Get($"/nodes/node1/tasks/{upid}/status");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("application/json;charset=UTF-8", r.ContentType);
        var d = r.Data!.AsObject();
        var parts = upid.Split(':');
        Assert.Equal(upid, Str(d, "upid"));
        Assert.Equal("node1", Str(d, "node"));
        Assert.Equal(Convert.ToInt64(parts[2], 16), Num(d, "pid"));
        Assert.Equal(Convert.ToInt64(parts[3], 16), Num(d, "pstart"));
        Assert.Equal(Convert.ToInt64(parts[4], 16), Num(d, "starttime"));
        Assert.Equal("qmigrate", Str(d, "type"));
        Assert.Equal(parts[6], Str(d, "id"));
        Assert.Equal("root@pam", Str(d, "user"));
        Assert.Equal("admin", Str(d, "tokenid"));
        Assert.Equal("stopped", Str(d, "status"));
        Assert.Equal("OK", Str(d, "exitstatus"));
    }

    [Fact]
    public async Task Task_log_is_numbered_from_1_with_a_total_and_ends_with_task_ok()
    {
        var upid = await FinishedMigration();
        var all = await C.Get($"/nodes/node1/tasks/{upid}/log", ("limit", "0"));
        Assert.Equal(HttpStatusCode.OK, all.Status);
        var lines = all.Data!.AsArray();
        var total = all.Json!["total"]!.GetValue<int>();
        Assert.True(total >= 4, $"expected a log of several lines, got {all.Body}");
        Assert.Equal(total, lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            Assert.Equal(["n", "t"], lines[i]!.AsObject().Select(p => p.Key).ToArray());
            Assert.Equal(i + 1, lines[i]!["n"]!.GetValue<int>());
            Assert.Equal(JsonValueKind.String, lines[i]!["t"]!.GetValueKind());
        }
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d starting migration of VM \d+ to node 'node2'", lines[0]!["t"]!.GetValue<string>());
        Assert.Equal("TASK OK", lines[^1]!["t"]!.GetValue<string>());
    }

    [Fact]
    public async Task Task_log_start_and_limit_page_through_absolute_line_numbers()
    {
        var upid = await FinishedMigration();
        var all = (await C.Get($"/nodes/node1/tasks/{upid}/log", ("limit", "0"))).Data!.AsArray();
        var total = all.Count;

        var page = await C.Get($"/nodes/node1/tasks/{upid}/log", ("start", "2"), ("limit", "2"));
        var items = page.Data!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.Equal(3, items[0]!["n"]!.GetValue<int>());
        Assert.Equal(4, items[1]!["n"]!.GetValue<int>());
        Assert.Equal(all[2]!["t"]!.GetValue<string>(), items[0]!["t"]!.GetValue<string>());
        Assert.Equal(total, page.Json!["total"]!.GetValue<int>());

        var rest = (await C.Get($"/nodes/node1/tasks/{upid}/log", ("start", "2"), ("limit", "0"))).Data!.AsArray();
        Assert.Equal(total - 2, rest.Count);
        Assert.Equal("TASK OK", rest[^1]!["t"]!.GetValue<string>());

        var first = (await C.Get($"/nodes/node1/tasks/{upid}/log", ("limit", "1"))).Data!.AsArray();
        Assert.Single(first);
        Assert.Equal(1, first[0]!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Task_log_default_limit_is_50()
    {
        var upid = await FinishedMigration();
        var d = (await C.Get($"/nodes/node1/tasks/{upid}/log")).Data!.AsArray();
        var total = (await C.Get($"/nodes/node1/tasks/{upid}/log", ("limit", "0"))).Data!.AsArray().Count;
        Assert.Equal(Math.Min(50, total), d.Count);
    }

    [Fact]
    public async Task Task_index_lists_log_and_status()
    {
        var upid = await FinishedMigration();
        var r = await C.Get($"/nodes/node1/tasks/{upid}");
        Assert.Equal("""[{"name":"log"},{"name":"status"}]""", r.Data!.ToJsonString());
    }

    [Fact]
    public async Task Deleting_a_finished_task_returns_data_null_and_keeps_its_status()
    {
        var upid = await FinishedMigration();
        var r = await C.Delete($"/nodes/node1/tasks/{upid}");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("application/json;charset=UTF-8", r.ContentType);
        Assert.Equal("""{"data":null}""", r.Body);
        var again = await C.Delete($"/nodes/node1/tasks/{upid}");
        Assert.Equal("""{"data":null}""", again.Body);
        var status = (await C.Get($"/nodes/node1/tasks/{upid}/status")).Data!;
        Assert.Equal("stopped", Str(status.AsObject(), "status"));
        Assert.Equal("OK", Str(status.AsObject(), "exitstatus"));
    }

    [Fact]
    public async Task Task_list_has_entries_with_a_total()
    {
        var upid = await FinishedMigration();
        JsonArray? list = null;
        PveClient.Response? r = null;
        await PveClient.Eventually(async () =>
        {
            r = await C.Get("/nodes/node1/tasks", ("typefilter", "qmigrate"), ("limit", "0"));
            list = r.Data!.AsArray();
            return list.Any(t => t!["upid"]!.GetValue<string>() == upid);
        }, what: "migration listed");
        Assert.Equal(list!.Count, r!.Json!["total"]!.GetValue<int>());
        var e = list.Single(t => t!["upid"]!.GetValue<string>() == upid)!.AsObject();
        Assert.Equal("qmigrate", Str(e, "type"));
        Assert.Equal(upid.Split(':')[6], Str(e, "id"));
        Assert.Equal("OK", Str(e, "status"));
        Assert.Equal(JsonValueKind.Number, e["endtime"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, e["starttime"]!.GetValueKind());
    }

    private static string Str(JsonObject o, string key)
    {
        Assert.True(o.ContainsKey(key), $"missing '{key}' in {o.ToJsonString()}");
        Assert.Equal(JsonValueKind.String, o[key]!.GetValueKind());
        return o[key]!.GetValue<string>();
    }

    private static long Num(JsonObject o, string key)
    {
        Assert.True(o.ContainsKey(key), $"missing '{key}' in {o.ToJsonString()}");
        Assert.Equal(JsonValueKind.Number, o[key]!.GetValueKind());
        return o[key]!.GetValue<long>();
    }
}
