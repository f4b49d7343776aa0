using System.Net;
using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Compat;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Storage;

/// <summary>/storage, /nodes/{node}/storage (index, status, content, a volume, its deletion): shapes, filters, refusals.</summary>
[Collection(CompatCollection.Name)]
public sealed class StorageApiTests(ServerFixture f)
{
    private PveClient C => f.Client;

    private static JsonArray Array(PveClient.Response r)
    {
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        return r.Data!.AsArray();
    }

    [Fact]
    public async Task Storage_config_lists_storage_cfg_with_the_type_filter()
    {
        var all = Array(await C.Get("/storage"));
        var local = all.Single(e => e!["storage"]!.GetValue<string>() == "local")!;
        Assert.Equal("dir", local["type"]!.GetValue<string>());
        Assert.Equal("backup,images,import,iso", local["content"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{40}$", local["digest"]!.GetValue<string>());
        Assert.Equal(all.Count, Array(await C.Get("/storage", ("type", "dir"))).Count);
        Assert.Empty(Array(await C.Get("/storage", ("type", "nfs"))));
        var bad = await C.Get("/storage", ("type", "bogus"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.NotNull(bad.Json!["errors"]!["type"]);
        Assert.Equal("local", (await C.Get("/storage/local")).Data!["storage"]!.GetValue<string>());
        var missing = await C.Get("/storage/nope");
        Assert.Equal((HttpStatusCode.InternalServerError, "storage 'nope' does not exist"), (missing.Status, missing.Reason));
    }

    [Fact]
    public async Task Node_storage_index_and_status_have_proxmox_fields_with_measured_space()
    {
        var list = Array(await C.Get("/nodes/node1/storage"));
        var local = list.Single(e => e!["storage"]!.GetValue<string>() == "local")!.AsObject();
        foreach (var key in new[] { "storage", "type", "content", "active", "enabled", "shared", "total", "used", "avail", "used_fraction" })
            Assert.True(local.ContainsKey(key), key);
        Assert.Equal(1, local["active"]!.GetValue<int>());
        Assert.Equal(1, local["enabled"]!.GetValue<int>());
        var total = local["total"]!.GetValue<long>();
        Assert.True(total > 0 && local["avail"]!.GetValue<long>() <= total, local.ToJsonString());
        Assert.InRange(local["used_fraction"]!.GetValue<double>(), 0, 1);
        Assert.All(Array(await C.Get("/nodes/node1/storage", ("content", "backup"))), e => Assert.Contains("backup", e!["content"]!.GetValue<string>()));
        Assert.Single(Array(await C.Get("/nodes/node1/storage", ("storage", "local"))));

        var status = (await C.Get("/nodes/node1/storage/local/status")).Data!.AsObject();
        Assert.Equal(total, status["total"]!.GetValue<long>());
        Assert.Equal("dir", status["type"]!.GetValue<string>());
        Assert.Contains("content", Array(await C.Get("/nodes/node1/storage/local")).Select(e => e!["subdir"]!.GetValue<string>()));

        // Bad input: 400 with the parameter named, or Proxmox's texts.
        foreach (var (path, query, param) in new[]
                 {
                     ("/nodes/node1/storage", ("storage", "nope"), "storage"), ("/nodes/node1/storage", ("content", "bogus"), "content"),
                     ("/nodes/node1/storage", ("storage", "../x"), "storage"), ("/nodes/node1/storage/nope/status", ("_dc", "1"), "storage"),
                 })
        {
            var r = await C.Get(path, query);
            Assert.True(r.Status == HttpStatusCode.BadRequest && r.Json!["errors"]![param] is not null, $"{path} {query}: {r}");
        }
        Assert.Equal(HttpStatusCode.InternalServerError, (await C.Get("/nodes/nonode/storage")).Status);
    }

    [Fact]
    public async Task A_backup_is_found_with_content_backup_read_and_deleted_while_a_guests_image_is_refused()
    {
        var vm = await f.CreateVm("node1", ("scsi0", "local:1"));
        var upid = await C.Upid(C.Post("/nodes/node1/vzdump", ("vmid", vm.ToString()), ("storage", "local"), ("compress", "zstd")));
        Assert.Equal("OK", await C.Wait(upid));

        var backups = Array(await C.Get("/nodes/node1/storage/local/content", ("content", "backup"), ("vmid", vm.ToString())));
        var backup = Assert.Single(backups)!.AsObject();
        var volid = backup["volid"]!.GetValue<string>();
        Assert.Matches($@"^local:backup/vzdump-qemu-{vm}-\d{{4}}_\d\d_\d\d-\d\d_\d\d_\d\d\.tar\.zst$", volid);
        Assert.Equal(("backup", "tar.zst", "qemu", vm), (backup["content"]!.GetValue<string>(), backup["format"]!.GetValue<string>(),
            backup["subtype"]!.GetValue<string>(), backup["vmid"]!.GetValue<int>()));
        Assert.True(backup["size"]!.GetValue<long>() > 0 && backup["ctime"]!.GetValue<long>() > 0, backup.ToJsonString());

        var images = Array(await C.Get("/nodes/node1/storage/local/content", ("content", "images"), ("vmid", vm.ToString())));
        var image = Assert.Single(images)!.AsObject();
        var imageVolid = $"local:{vm}/vm-{vm}-disk-0.qcow2";
        Assert.Equal((imageVolid, "qcow2", 1L << 30),
            (image["volid"]!.GetValue<string>(), image["format"]!.GetValue<string>(), image["size"]!.GetValue<long>()));
        Assert.True(image.ContainsKey("used"));
        var info = (await C.Get($"/nodes/node1/storage/local/content/{imageVolid}")).Data!.AsObject();
        Assert.Equal(("qcow2", 1L << 30), (info["format"]!.GetValue<string>(), info["size"]!.GetValue<long>()));
        // A name without the storage works too, and an escaped '/' is the same volume.
        Assert.Equal(HttpStatusCode.OK, (await C.Get($"/nodes/node1/storage/local/content/{vm}/vm-{vm}-disk-0.qcow2")).Status);
        Assert.Equal(HttpStatusCode.OK, (await C.Get($"/nodes/node1/storage/local/content/local:{vm}%2Fvm-{vm}-disk-0.qcow2")).Status);

        var refused = await C.Delete($"/nodes/node1/storage/local/content/{imageVolid}");
        Assert.Equal((HttpStatusCode.InternalServerError, $"Cannot remove image, a guest with VMID '{vm}' exists!"), (refused.Status, refused.Reason));
        Assert.Single(Array(await C.Get("/nodes/node1/storage/local/content", ("content", "images"), ("vmid", vm.ToString()))));

        Assert.Equal(HttpStatusCode.OK, (await C.Delete($"/nodes/node1/storage/local/content/{volid}")).Status);
        Assert.Empty(Array(await C.Get("/nodes/node1/storage/local/content", ("content", "backup"), ("vmid", vm.ToString()))));
    }

    [Theory]
    [InlineData("local:..%2F..%2Fetc%2Fpasswd")]
    [InlineData("other:100/vm-100-disk-0.qcow2")]
    [InlineData("local:backup%2F..%2F..%2Fx.tar")]
    [InlineData("local:iso%2F..%2F..%2Fpasswd.iso")]
    public async Task A_hostile_volume_is_a_400_and_nothing_is_read_or_removed(string volume)
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            var r = await C.Send(method, $"/nodes/node1/storage/local/content/{volume}", [], null);
            Assert.True(r.Status == HttpStatusCode.BadRequest && r.Json!["errors"]!["volume"] is not null, $"{method} {volume}: {r}");
        }
    }

    [Fact]
    public async Task A_missing_volume_and_bad_filters_answer_proxmox_errors()
    {
        var missing = await C.Get("/nodes/node1/storage/local/content/local:999/vm-999-disk-7.qcow2");
        Assert.Equal((HttpStatusCode.InternalServerError, "file_size_info on 'local:999/vm-999-disk-7.qcow2' failed"), (missing.Status, missing.Reason));
        foreach (var (k, v) in new[] { ("content", "bogus"), ("vmid", "abc"), ("vmid", "99") })
            Assert.Equal(HttpStatusCode.BadRequest, (await C.Get("/nodes/node1/storage/local/content", (k, v))).Status);
        Assert.Equal("storage 'nope' does not exist", (await C.Get("/nodes/node1/storage/nope/content")).Reason);
    }
}
