using System.Diagnostics;
using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>A member of a cluster that names node4, which no member hosts: node4 is offline.</summary>
public sealed class OfflineNodeFixture : ValidationFixture
{
    protected override IDictionary<string, string?>? MemberEnvironment => new Dictionary<string, string?>
    {
        ["AM_NODES"] = "node1,node2,node3",
        ["AM_CLUSTER_NODES"] = "node1,node2,node3,node4",
    };
}

[CollectionDefinition(Name)]
public sealed class OfflineNodeCollection : ICollectionFixture<OfflineNodeFixture>
{
    public const string Name = "validation-offline-node";
}

/// <summary>
/// Requests that need the offline node are refused at once, before any question to it, and change nothing.
/// "At once" is asserted as under <see cref="Fast"/> (the issue asks for 1 s; the margin is for a busy test machine),
/// where asking the node used to take 5 to 15 s.
/// </summary>
[Collection(OfflineNodeCollection.Name)]
public sealed class OfflineNodeTests(OfflineNodeFixture f)
{
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(2);
    private const int Vm = ValidationFixture.Vm;

    private WireClient C => f.Api;

    private static async Task<PveClient.Response> Timed(Func<Task<PveClient.Response>> call)
    {
        var sw = Stopwatch.StartNew();
        var r = await call();
        Assert.True(sw.Elapsed < Fast, $"answered after {sw.Elapsed.TotalMilliseconds:F0} ms: {r}");
        return r;
    }

    [Fact]
    public async Task A_create_on_the_offline_node_is_refused_at_once()
    {
        var vmid = f.NextVmId().ToString();
        var r = await f.Unchanged(() => Timed(() => C.Post("/nodes/node4/qemu", ("vmid", vmid), ("memory", "512"))));
        Expect.Refused(r, "node 'node4' seems to be offline");
    }

    [Fact]
    public async Task A_restore_on_the_offline_node_is_refused_at_once()
    {
        var vmid = f.NextVmId().ToString();
        var r = await f.Unchanged(() => Timed(() => C.Post("/nodes/node4/qemu", ("vmid", vmid),
            ("archive", $"shared:backup/vzdump-qemu-{Vm}-2024_01_01-00_00_00.tar"))));
        Expect.Refused(r, "node 'node4' seems to be offline");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public async Task A_clone_to_the_offline_node_is_refused_at_once(string full)
    {
        var newid = f.NextVmId().ToString();
        var r = await f.Unchanged(() => Timed(() => C.Post($"/nodes/node1/qemu/{Vm}/clone",
            ("newid", newid), ("target", "node4"), ("full", full))));
        Expect.Refused(r, "target node 'node4' is offline");
    }

    [Fact]
    public async Task A_migration_to_the_offline_node_is_refused_at_once()
    {
        var r = await f.Unchanged(() => Timed(() => C.Post($"/nodes/node1/qemu/{Vm}/migrate", ("target", "node4"))));
        Expect.Refused(r, "target node 'node4' is offline");
    }

    [Fact]
    public async Task The_migration_precondition_lists_the_offline_node_at_once()
    {
        var r = await Timed(() => C.Get($"/nodes/node1/qemu/{Vm}/migrate"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Contains("node is offline", r.Data!["not_allowed_nodes"]!["node4"]!["blocking-reasons"]!.ToJsonString());
    }

    [Fact]
    public async Task A_backup_on_the_offline_node_is_refused_at_once()
    {
        var r = await f.Unchanged(() => Timed(() => C.Post("/nodes/node4/vzdump", ("vmid", Vm.ToString()), ("storage", "local"))));
        Expect.Refused(r, "node 'node4' seems to be offline");
    }

    [Fact]
    public async Task Import_metadata_on_the_offline_node_is_refused_at_once()
    {
        var r = await Timed(() => C.Get("/nodes/node4/storage/local/import-metadata", ("volume", "import/x.ovf")));
        Expect.Refused(r, "node 'node4' seems to be offline");
    }

    [Fact]
    public async Task Listings_do_not_wait_for_the_offline_node()
    {
        foreach (var path in new[] { "/cluster/resources", "/nodes", "/nodes/node4/qemu" })
            await Timed(() => C.Get(path));
    }

    [Fact]
    public async Task Cluster_status_shows_each_node_online_or_not_from_the_membership_at_once()
    {
        var r = await Timed(() => C.Get("/cluster/status"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var entries = r.Data!.AsArray().Select(e => e!).ToList();
        var cluster = Assert.Single(entries, e => e["type"]!.GetValue<string>() == "cluster");
        Assert.Equal("actormigration", cluster["name"]!.GetValue<string>());
        Assert.Equal(4, cluster["nodes"]!.GetValue<int>());
        Assert.Equal(1, cluster["quorate"]!.GetValue<int>());
        var nodes = entries.Where(e => e["type"]!.GetValue<string>() == "node").ToDictionary(e => e["name"]!.GetValue<string>());
        Assert.Equal(["node1", "node2", "node3", "node4"], nodes.Keys.Order());
        foreach (var n in new[] { "node1", "node2", "node3" })
        {
            Assert.Equal(1, nodes[n]["online"]!.GetValue<int>());
            Assert.Equal(1, nodes[n]["local"]!.GetValue<int>());
            Assert.Equal($"node/{n}", nodes[n]["id"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(nodes[n]["ip"]?.GetValue<string>()), $"{n} has no ip");
        }
        Assert.Equal(0, nodes["node4"]["online"]!.GetValue<int>());
        Assert.Equal(0, nodes["node4"]["local"]!.GetValue<int>());
        Assert.Equal(4, nodes["node4"]["nodeid"]!.GetValue<int>());
    }
}
