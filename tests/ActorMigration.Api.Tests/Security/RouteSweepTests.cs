using System.Net;
using ActorMigration.Api.Tests.Validation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorMigration.Api.Tests.Security;

/// <summary>
/// Issue 11's route sweep: every route of docs/api.md's endpoint table, each method, is called without a token, with a
/// wrong token and with a token lacking the privilege. Each call carries parameters that would change something if it
/// got through (create a VM, destroy VM 100, start it, edit its config, clone, snapshot, back up, abort a task), and the
/// observable state (configs and digests, the VM list, tasks, storage files) is compared before and after.
/// </summary>
public sealed class RouteSweepTests(ValidationFixture f) : IClassFixture<ValidationFixture>
{
    private const string Node = "node1";
    private static readonly int Vm = ValidationFixture.Vm;
    private const int FreeId = 990;

    /// <summary>The request a route gets: its path filled in, and parameters that would make it act.</summary>
    private static (string Path, (string, string)[] Query, (string, string)[]? Form) Request(ApiRoute r, string upid)
    {
        var path = r.Path.Replace("{node}", Node).Replace("{vmid}", Vm.ToString()).Replace("{snapname}", "sweep")
            .Replace("{storage}", "local").Replace("{upid}", upid).Replace("{userid}", "root@pam").Replace("{tokenid}", "swept")
            .Replace("{sid}", $"vm:{Vm}").Replace("{group}", "sweep").Replace("{poolid}", "sweep").Replace("{*volume}", $"local:{Vm}/vm-{Vm}-disk-0.qcow2");
        (string, string)[] form = (r.Method, r.Path) switch
        {
            ("POST", "/nodes/{node}/qemu") => [("vmid", FreeId.ToString()), ("memory", "512"), ("scsi0", "local:1")],
            ("PUT" or "POST", "/nodes/{node}/qemu/{vmid}/config") => [("name", "swept"), ("cores", "3")],
            ("POST", "/nodes/{node}/qemu/{vmid}/migrate") => [("target", "node2")],
            ("POST", "/nodes/{node}/migrateall") => [("target", "node2"), ("maxworkers", "1")],
            ("POST", "/nodes/{node}/maintenance") => [("enable", "1")],
            ("POST", "/nodes/{node}/qemu/{vmid}/clone") => [("newid", FreeId.ToString()), ("full", "1")],
            ("POST", "/nodes/{node}/qemu/{vmid}/snapshot") => [("snapname", "swept")],
            ("POST", "/nodes/{node}/vzdump") => [("vmid", Vm.ToString()), ("storage", "local")],
            ("PUT", "/access/acl") => [("path", "/"), ("roles", "Administrator"), ("users", "sweep@pve"), ("tokens", "sweep@pve!none")],
            ("POST", "/cluster/ha/resources") => [("sid", $"vm:{Vm}")],
            ("POST" or "PUT", "/cluster/ha/groups" or "/cluster/ha/groups/{group}") => [("group", "sweep"), ("nodes", "node1")],
            ("PUT", "/cluster/ha/resources/{sid}") => [("state", "disabled")],
            ("POST", "/access/users") => [("userid", "evil@pve"), ("password", "hunter22")],
            ("PUT", "/access/users/{userid}") => [("comment", "swept")],
            ("PUT", "/access/password") => [("userid", "root@pam"), ("password", "hunter22")],
            ("POST" or "PUT", "/access/users/{userid}/token/{tokenid}") => [("privsep", "0"), ("comment", "swept")],
            ("GET", "/cluster/tasks/events") => [("timeout", "1")],
            ("POST", "/nodes/{node}/qemu/{vmid}/move_disk" or "/nodes/{node}/qemu/{vmid}/move-disk") => [("disk", "scsi0"), ("storage", "shared")],
            _ => [],
        };
        (string, string)[] query = r.Path.EndsWith("/import-metadata", StringComparison.Ordinal) ? [("volume", "import/x.ovf")] : [];
        return r.Method is "GET" or "DELETE" ? (path, [.. query, .. form], null) : (path, query, form);
    }

    private async Task<string> AdminUpid()
    {
        var tasks = await f.Client.Get($"/nodes/{Node}/tasks", ("source", "all"));
        return tasks.Data!.AsArray().First()!["upid"]!.GetValue<string>();
    }

    private async Task<PveClient.Response> Call(ApiRoute r, string upid, string? authHeader)
    {
        var (path, query, form) = Request(r, upid);
        return await f.Api.Send(new HttpMethod(r.Method), path, query, form, authHeader: authHeader);
    }

    private Task<PveClient.Response> As(string authHeader, string path) => f.Api.Send(HttpMethod.Get, path, [], null, authHeader: authHeader);

    [Fact]
    public void Every_route_the_server_maps_is_in_the_docs_and_every_documented_route_is_mapped()
    {
        var mapped = f.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api2/json/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(m => $"{m} {e.RoutePattern.RawText!["/api2/json".Length..]}"))
            .Order(StringComparer.Ordinal).ToList();
        var documented = ApiTable.Read().Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(mapped);
        Assert.Equal(documented, mapped);
    }

    [Fact]
    public async Task Without_a_token_or_with_a_wrong_one_every_route_is_401_and_nothing_changes()
    {
        var upid = await AdminUpid();
        var routes = ApiTable.Read();
        var before = await f.Capture();
        foreach (var r in routes.Where(r => !r.NoAuth))
        {
            var none = await Call(r, upid, authHeader: "");
            Assert.True(none.Status == HttpStatusCode.Unauthorized && none.Reason == "No ticket", $"{r} without a token: {none}");
            Assert.Equal("", none.Body);
            var wrongSecret = f.Server.Token[..f.Server.Token.LastIndexOf('=')] + "=00000000-0000-0000-0000-000000000000";
            foreach (var wrong in new[] { $"PVEAPIToken={wrongSecret}", "PVEAPIToken=nobody@pve!x=secret", "Bearer abc" })
            {
                var w = await Call(r, upid, wrong);
                Assert.True(w.Status == HttpStatusCode.Unauthorized, $"{r} with '{wrong}': {w}");
                Assert.Equal("", w.Body);
            }
        }
        await Task.Delay(300);
        Assert.Equal(before, await f.Capture());
    }

    [Fact]
    public async Task A_token_lacking_the_privilege_gets_403_on_every_guarded_route_lists_are_filtered_and_nothing_changes()
    {
        var upid = await AdminUpid();
        var routes = ApiTable.Read();
        // A token of a user without any ACL entry holds no privilege; an auditor's token (PVEAuditor on /, privsep=1
        // with its own entry) may read but not change.
        var nobody = "PVEAPIToken=" + await f.Server.CreateToken("sweep@pve", "none", privsep: false);
        var auditor = "PVEAPIToken=" + await f.Server.CreateToken("audit@pve", "ro", privsep: true, ("/", "PVEAuditor"));
        var before = await f.Capture();
        foreach (var r in routes.Where(r => !r.NoAuth))
        {
            var a = await Call(r, upid, nobody);
            if (r.AnyUser)
                Assert.True(a.Status == HttpStatusCode.OK, $"{r} ({r.Privilege}) for a token without privileges: {a}");
            else
            {
                Assert.True(a.Status == HttpStatusCode.Forbidden, $"{r} ({r.Privilege}) for a token without privileges: {a}");
                Assert.StartsWith("Permission check failed (", a.Reason);
            }
            if (r.Method == "GET") continue;
            var w = await Call(r, upid, auditor);
            Assert.True(w.Status == HttpStatusCode.Forbidden, $"{r} ({r.Privilege}) for an auditor's token: {w}");
        }
        // Lists show only what the caller may audit: nothing to the token without privileges.
        var list = await As(nobody, "/cluster/resources");
        Assert.Empty(list.Data!.AsArray());
        Assert.Empty((await As(nobody, $"/nodes/{Node}/qemu")).Data!.AsArray());
        Assert.Equal(0, (await As(nobody, $"/nodes/{Node}/tasks")).Json!["total"]!.GetValue<int>());
        // The auditor sees the VMs, nodes and tasks.
        Assert.Contains($"\"vmid\":{Vm},", (await As(auditor, "/cluster/resources")).Body);
        Assert.NotEqual(0, (await As(auditor, $"/nodes/{Node}/tasks")).Json!["total"]!.GetValue<int>());
        // Nor did the access configuration change: no new user, no token, no ACL entry for the sweep's users.
        var users = await f.Api.Get("/access/users");
        Assert.DoesNotContain("evil@pve", users.Body);
        Assert.DoesNotContain("swept", (await f.Api.Get("/access/acl")).Body + users.Body);
        Assert.Equal(HttpStatusCode.Forbidden, (await As(nobody, $"/nodes/{Node}/qemu/{Vm}/config")).Status);
        await Task.Delay(300);
        Assert.Equal(before, await f.Capture());
    }
}
