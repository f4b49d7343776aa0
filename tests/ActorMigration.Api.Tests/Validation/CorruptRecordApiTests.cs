using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>
/// Issue 8, "one bad record never takes the read side down": records corrupted directly in a member's SQLite journal,
/// then the member restarted on it. Listings keep answering and show the damaged VMs with an <c>error</c>; a damaged
/// VM can be read, repaired with PUT …/config and destroyed.
/// </summary>
public sealed class CorruptRecordApiTests
{
    private static string Entry(JsonNode? list, int vmid) =>
        list!.AsArray().Single(v => v!["vmid"]!.GetValue<int>() == vmid)!.ToJsonString();

    private static JsonObject EntryOf(JsonNode? list, int vmid) =>
        list!.AsArray().Single(v => v!["vmid"]!.GetValue<int>() == vmid)!.AsObject();

    [Fact]
    public async Task Listings_survive_corrupted_records_and_the_damaged_vms_can_be_read_repaired_and_destroyed()
    {
        var dataDir = Repo.TempDir("am-corrupt");
        var first = await InProcessServer.StartAsync(dataDir: dataDir);
        try
        {
            var c = first.Client;
            foreach (var (vmid, name) in new[] { (101, "bad-config"), (102, "unreadable"), (103, "healthy") })
                Assert.Equal("OK", await c.Wait(await c.Upid(c.Post("/nodes/node1/qemu",
                    ("vmid", vmid.ToString()), ("name", name), ("memory", "512"), ("scsi0", "local:1")))));
            // The last event of 101 and 102 is a config edit.
            Assert.Equal(HttpStatusCode.OK, (await c.Put("/nodes/node1/qemu/101/config", ("cpulimit", "2"))).Status);
            Assert.Equal(HttpStatusCode.OK, (await c.Put("/nodes/node1/qemu/102/config", ("cores", "2"))).Status);
        }
        finally
        {
            await first.StopAsync();
        }

        var db = Path.Combine(dataDir, "actormigration.db");
        // 101: a valid payload holding what PUT cpulimit=\n5 used to store, a config that no longer parses.
        var (seq101, manifest101, payload101) = JournalRows.Last(db, "vm-101");
        Assert.Equal("vm.config", manifest101);
        var json = JsonNode.Parse(payload101)!;
        var text = json["configText"]!.GetValue<string>();
        Assert.Contains("cpulimit: 2\n", text);
        json["configText"] = text.Replace("cpulimit: 2\n", "cpulimit: \n5\n");
        JournalRows.OverwritePayload(db, "vm-101", seq101, Encoding.UTF8.GetBytes(json.ToJsonString()));
        // 102: a payload that does not decode at all.
        var (seq102, manifest102, _) = JournalRows.Last(db, "vm-102");
        Assert.Equal("vm.config", manifest102);
        JournalRows.OverwritePayload(db, "vm-102", seq102, [0x00, 0xff, (byte)'{']);

        await using var second = await InProcessServer.StartAsync(dataDir: dataDir);
        var api = second.Client;
        await PveClient.Eventually(async () =>
        {
            var r = await api.Get("/cluster/resources", ("type", "vm"));
            return r.Status == HttpStatusCode.OK && r.Body.Contains("\"vmid\":101,") && r.Body.Contains("\"vmid\":102,") && r.Body.Contains("\"vmid\":103,");
        }, TimeSpan.FromSeconds(15), "the three VMs listed after the restart");

        const string badLine = "vm config - unable to parse line 3: 5";
        var unreadable = $"record event {seq102} (vm.config) is unreadable; the VM's state after it is unknown";
        foreach (var list in new[] { (await api.Get("/cluster/resources", ("type", "vm"))).Data, (await api.Get("/nodes/node1/qemu")).Data })
        {
            var bad = EntryOf(list, 101);
            Assert.Equal(badLine, bad["error"]!.GetValue<string>());
            Assert.Equal("bad-config", bad["name"]!.GetValue<string>());
            Assert.Equal("stopped", bad["status"]!.GetValue<string>());
            Assert.Equal(1L << 30, bad["maxdisk"]!.GetValue<long>());
            Assert.Equal(unreadable, EntryOf(list, 102)["error"]!.GetValue<string>());
            Assert.Equal("unreadable", EntryOf(list, 102)["name"]!.GetValue<string>()); // the state before the bad event
            Assert.DoesNotContain("error", Entry(list, 103));
        }
        var current = await api.Get("/nodes/node1/qemu/101/status/current");
        Assert.Equal(HttpStatusCode.OK, current.Status);
        Assert.Equal(badLine, current.Data!["error"]!.GetValue<string>());
        Assert.Equal(unreadable, (await api.Get("/nodes/node1/qemu/102/status/current")).Data!["error"]!.GetValue<string>());

        // Read: what can be parsed, the error, and a digest for the repair.
        var cfg = (await api.Get("/nodes/node1/qemu/101/config")).Data!;
        Assert.Equal("", cfg["cpulimit"]!.GetValue<string>());
        Assert.Equal("bad-config", cfg["name"]!.GetValue<string>());
        Assert.Equal(badLine, cfg["error"]!.GetValue<string>());
        var digest = cfg["digest"]!.GetValue<string>();

        // Repair: delete the broken key (with the digest of what was read).
        var put = await api.Put("/nodes/node1/qemu/101/config", ("delete", "cpulimit"), ("digest", digest));
        Assert.True(put.Status == HttpStatusCode.OK, put.ToString());
        var repaired = (await api.Get("/nodes/node1/qemu/101/config")).Data!;
        Assert.Null(repaired["error"]);
        Assert.Null(repaired["cpulimit"]);
        await PveClient.Eventually(async () => !Entry((await api.Get("/nodes/node1/qemu")).Data, 101).Contains("\"error\""),
            TimeSpan.FromSeconds(10), "101 listed without error");

        // Destroy the unreadable one.
        Assert.Equal("OK", await api.Wait(await api.Upid(api.Delete("/nodes/node1/qemu/102"))));
        await PveClient.Eventually(async () => !(await api.Get("/cluster/resources", ("type", "vm"))).Body.Contains("\"vmid\":102,"),
            TimeSpan.FromSeconds(10), "102 gone from the listing");
        Assert.Equal(HttpStatusCode.InternalServerError, (await api.Get("/nodes/node1/qemu/102/config")).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.Get("/nodes/node1/qemu/103/config")).Status);
    }
}
