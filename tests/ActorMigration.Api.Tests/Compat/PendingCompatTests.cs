using System.Net;
using System.Text.Json;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Compat;

/// <summary>GET …/pending answers config_with_pending_array's shape: an array of {key, value?, pending?, delete?}.</summary>
[Collection(CompatCollection.Name)]
public sealed class PendingCompatTests(ServerFixture f)
{
    [Fact]
    public async Task Pending_is_an_array_of_keys_with_typed_values_and_integer_delete_flags()
    {
        var vmid = await f.CreateVm("node1", ("cores", "1"), ("name", "p"), ("ostype", "l26"));
        var c = f.Wire();
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await c.Put($"/nodes/node1/qemu/{vmid}/config", ("cores", "2"), ("delete", "name,ostype"))).Status);
            var r = await c.Get($"/nodes/node1/qemu/{vmid}/pending");
            Assert.Equal(HttpStatusCode.OK, r.Status);
            var data = JsonDocument.Parse(r.Body).RootElement.GetProperty("data");
            Assert.Equal(JsonValueKind.Array, data.ValueKind);
            var items = data.EnumerateArray().ToDictionary(i => i.GetProperty("key").GetString()!);
            Assert.All(items.Values, i => Assert.True(i.EnumerateObject().All(p => p.Name is "key" or "value" or "pending" or "delete"), i.ToString()));
            Assert.Equal(JsonValueKind.Number, items["cores"].GetProperty("value").ValueKind);
            Assert.Equal(2, items["cores"].GetProperty("pending").GetInt32());
            Assert.Equal(1, items["ostype"].GetProperty("delete").GetInt32());
            Assert.Equal(JsonValueKind.String, items["digest"].GetProperty("value").ValueKind);
            // name is fast-plugged: deleted at once.
            Assert.False(items.ContainsKey("name"));
        }
        finally
        {
            await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{vmid}/status/stop")));
        }
    }
}
