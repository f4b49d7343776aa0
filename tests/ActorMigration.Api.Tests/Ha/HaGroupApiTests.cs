using System.Net;

namespace ActorMigration.Api.Tests.Ha;

/// <summary>/cluster/ha/groups: node lists with priorities, flags, digests; a group in use cannot go.</summary>
public sealed class HaGroupApiTests(HaApiFixture f) : IClassFixture<HaApiFixture>
{
    private const string Path = "/cluster/ha/groups";

    [Fact]
    public async Task A_group_is_created_read_updated_used_and_removed_only_when_unused()
    {
        var created = await f.Client.Post(Path, ("group", "db"), ("nodes", "node1:2,node2"), ("restricted", "1"), ("comment", "c"));
        Assert.True(created.Status == HttpStatusCode.OK, created.ToString());
        var g = (await f.Client.Get($"{Path}/db")).Data!.AsObject();
        Assert.Equal(("db", "group", "node1:2,node2", 1, "c"), (g["group"]!.GetValue<string>(), g["type"]!.GetValue<string>(),
            g["nodes"]!.GetValue<string>(), g["restricted"]!.GetValue<int>(), g["comment"]!.GetValue<string>()));
        Assert.False(g.ContainsKey("nofailback"));
        Assert.Single((await f.Client.Get(Path)).Data!.AsArray());
        var digest = g["digest"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Put($"{Path}/db", ("nodes", "node3:5"), ("nofailback", "1"), ("delete", "comment"),
            ("digest", digest))).Status);
        g = (await f.Client.Get($"{Path}/db")).Data!.AsObject();
        Assert.Equal(("node3:5", 1), (g["nodes"]!.GetValue<string>(), g["nofailback"]!.GetValue<int>()));
        Assert.False(g.ContainsKey("comment"));

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post("/cluster/ha/resources", ("sid", $"vm:{f.SharedVm}"), ("group", "db"))).Status);
        var inUse = await f.HaUnchanged(() => f.Client.Delete($"{Path}/db"));
        Assert.Equal(HttpStatusCode.InternalServerError, inUse.Status);
        Assert.Equal($"delete ha group failed: ha group is used by service 'vm:{f.SharedVm}'", inUse.Reason);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"/cluster/ha/resources/vm:{f.SharedVm}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/db")).Status);
        Assert.Equal("no such ha group 'db'", (await f.Client.Get($"{Path}/db")).Reason);
    }

    [Fact]
    public async Task Bad_node_lists_duplicates_and_stale_digests_are_refused_and_change_nothing()
    {
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post(Path, ("group", "web"), ("nodes", "node1"))).Status);
        foreach (var nodes in new[] { "node1:x", "node1:-1", "node1,node1:2", "bad_node" })
        {
            var r = await f.HaUnchanged(() => f.Client.Post(Path, ("group", "other"), ("nodes", nodes)));
            Assert.True(r.Status == HttpStatusCode.BadRequest, $"{nodes}: {r}");
            Assert.StartsWith("invalid format - ", r.Errors!["nodes"]!.GetValue<string>());
        }
        var missing = await f.HaUnchanged(() => f.Client.Post(Path, ("group", "other")));
        Assert.Equal("property is missing and it is not optional", missing.Errors!["nodes"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await f.HaUnchanged(() => f.Client.Post(Path, ("group", "1x"), ("nodes", "node1")))).Status);
        Assert.Equal("create ha group failed: ha group ID 'web' already defined",
            (await f.HaUnchanged(() => f.Client.Post(Path, ("group", "web"), ("nodes", "node2")))).Reason);
        Assert.Equal("update ha group failed: detected modified configuration - file changed by other user? Try again.",
            (await f.HaUnchanged(() => f.Client.Put($"{Path}/web", ("restricted", "1"), ("digest", new string('0', 40))))).Reason);
        Assert.Equal("update ha group failed: unable to delete required option 'nodes'",
            (await f.HaUnchanged(() => f.Client.Put($"{Path}/web", ("delete", "nodes")))).Reason);
        Assert.Equal("update ha group failed: no such ha group 'none'",
            (await f.HaUnchanged(() => f.Client.Put($"{Path}/none", ("restricted", "1")))).Reason);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/web")).Status);
    }
}
