using System.Net;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Access;

/// <summary>/access/users, /access/acl, /access/roles, /access/permissions, tokens: shapes, bad input, refusals.</summary>
[Collection(AccessCollection.Name)]
public sealed class AccessEndpointTests(AccessFixture f)
{
    [Fact]
    public async Task A_user_reads_back_in_Proxmox_shape_without_its_password()
    {
        var user = f.Name("shape");
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.Post("/access/users", ("userid", user), ("password", "pass-word"),
            ("email", "a@example.com"), ("comment", "ci"), ("expire", "0"))).Status);
        var r = await f.Admin.Get($"/access/users/{user}");
        var d = r.Data!.AsObject();
        Assert.Equal(1, d["enable"]!.GetValue<int>());
        Assert.Equal("a@example.com", d["email"]!.GetValue<string>());
        Assert.DoesNotContain("pass", r.Body.Replace("\"email\"", ""), StringComparison.Ordinal);
        var list = (await f.Admin.Get("/access/users")).Data!.AsArray();
        Assert.Contains(list, u => u!["userid"]!.GetValue<string>() == user && u["realm-type"]!.GetValue<string>() == "pve");
        var roles = (await f.Admin.Get("/access/roles")).Data!.AsArray();
        Assert.Contains(roles, x => x!["roleid"]!.GetValue<string>() == "PVEVMUser"
            && x["privs"]!.GetValue<string>() == "VM.Audit,VM.Backup,VM.Config.CDROM,VM.Config.Cloudinit,VM.Console,VM.PowerMgmt");
    }

    [Theory]
    [InlineData("userid", "alice")]
    [InlineData("password", "abc")]
    public async Task Bad_user_input_is_a_400_and_creates_nothing(string param, string value)
    {
        var user = f.Name("bad");
        var form = new Dictionary<string, string> { ["userid"] = user, ["password"] = "pass-word", [param] = value };
        var r = await f.Admin.Post("/access/users", [.. form.Select(kv => (kv.Key, kv.Value))]);
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.True(r.Errors!.ContainsKey(param), r.ToString());
        Assert.DoesNotContain(user, (await f.Admin.Get("/access/users")).Body);
    }

    [Fact]
    public async Task Bad_acl_input_is_refused_and_changes_nothing()
    {
        var user = await f.CreateUser();
        var before = (await f.Admin.Get("/access/acl")).Body;
        var wire = new WireClient(f.Admin.Http, f.Server.Token);
        Expect.ParamError(await wire.Put("/access/acl", ("path", "/etc"), ("roles", "PVEAuditor"), ("users", user)), "path", "invalid ACL path '/etc'");
        Expect.ParamError(await wire.Put("/access/acl", ("path", "/"), ("roles", "PVEAuditor")), "users", "either 'users', 'groups' or 'tokens' is required.");
        var role = await f.Admin.Put("/access/acl", ("path", "/"), ("roles", "Boss"), ("users", user));
        Assert.Equal(HttpStatusCode.InternalServerError, role.Status);
        Assert.Equal("ACL update failed: role 'Boss' does not exist", role.Reason);
        var nouser = await f.Admin.Put("/access/acl", ("path", "/"), ("roles", "PVEAuditor"), ("users", $"{user},ghost@pve"));
        Assert.Equal("ACL update failed: user 'ghost@pve' does not exist", nouser.Reason);
        Assert.Equal(before, (await f.Admin.Get("/access/acl")).Body);
    }

    [Fact]
    public async Task A_user_without_the_privilege_is_refused_and_nothing_changes()
    {
        var user = await f.CreateUser("pass-word", ("/", "PVEAuditor"));
        var s = await TicketSession.Open(f.Server.Client.Http, user, "pass-word");
        var victim = f.Name("victim");
        var r = await s.Send(HttpMethod.Post, "/access/users", [("userid", victim), ("password", "pass-word")]);
        Assert.Equal(HttpStatusCode.Forbidden, r.Status);
        Assert.Equal("Permission check failed (/access/groups, User.Modify)", r.Reason);
        var acl = await s.Send(HttpMethod.Put, "/access/acl", [("path", "/"), ("roles", "Administrator"), ("users", user)]);
        Assert.Equal("Permission check failed (/, Permissions.Modify)", acl.Reason);
        var pw = await s.Send(HttpMethod.Put, "/access/password", [("userid", "root@pam"), ("password", "pass-word")]);
        Assert.Equal(HttpStatusCode.Forbidden, pw.Status);
        var body = (await f.Admin.Get("/access/users")).Body;
        Assert.DoesNotContain(victim, body);
        Assert.DoesNotContain("Administrator", (await f.Admin.Get("/access/acl")).Body);
        // An auditor sees users and its own permissions; what it lacks is absent.
        var perms = (await s.Send(HttpMethod.Get, "/access/permissions?path=/vms/100")).Data!.AsObject();
        Assert.Equal(["VM.Audit"], perms["/vms/100"]!.AsObject().Select(kv => kv.Key).Where(k => k.StartsWith("VM.")));
    }

    [Fact]
    public async Task A_token_value_is_shown_once_and_a_privsep_token_holds_only_what_both_hold()
    {
        var user = await f.CreateUser("pass-word", ("/vms", "PVEVMAdmin"));
        var created = await f.Admin.Post($"/access/users/{user}/token/ci", ("comment", "pipeline"));
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var d = created.Data!.AsObject();
        Assert.Equal($"{user}!ci", d["full-tokenid"]!.GetValue<string>());
        Assert.Equal(1, d["info"]!["privsep"]!.GetValue<int>());
        var secret = d["value"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f-]{36}$", secret);
        var listed = await f.Admin.Get($"/access/users/{user}/token");
        Assert.DoesNotContain(secret, listed.Body);
        Assert.Equal("pipeline", listed.Data![0]!["comment"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.InternalServerError, (await f.Admin.Post($"/access/users/{user}/token/ci")).Status);

        var token = new PveClient(f.Server.Client.Http, $"{user}!ci={secret}");
        Assert.Empty((await token.Get("/access/permissions", ("path", "/vms/100"))).Data!["/vms/100"]!.AsObject());
        await f.Grant("/vms", "PVEAuditor", tokens: $"{user}!ci");
        await f.Grant("/storage", "PVEDatastoreAdmin", tokens: $"{user}!ci");
        var perms = (await token.Get("/access/permissions", ("path", "/vms/100"))).Data!["/vms/100"]!.AsObject();
        Assert.Equal(["VM.Audit"], perms.Select(kv => kv.Key));
        Assert.Empty((await token.Get("/access/permissions", ("path", "/storage/local"))).Data!["/storage/local"]!.AsObject());

        // privsep=0: the user's privileges.
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.Put($"/access/users/{user}/token/ci", ("privsep", "0"))).Status);
        var full = (await token.Get("/access/permissions", ("path", "/vms/100"))).Data!["/vms/100"]!.AsObject();
        Assert.Contains("VM.Migrate", full.Select(kv => kv.Key));

        // A token cannot mint tokens for its user; deleting the token ends its access.
        Assert.Equal(HttpStatusCode.Forbidden, (await token.Post($"/access/users/{user}/token/more")).Status);
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.Delete($"/access/users/{user}/token/ci")).Status);
        Expect.Unauthorized(await token.Get("/access/permissions"), "Authentication failed!");
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var user = await f.CreateUser();
        var past = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10;
        var created = await f.Admin.Post($"/access/users/{user}/token/old", ("expire", past.ToString()), ("privsep", "0"));
        var token = new PveClient(f.Server.Client.Http, $"{user}!old={created.Data!["value"]!.GetValue<string>()}");
        Expect.Unauthorized(await token.Get("/access/permissions"), "Authentication failed!");
    }

    [Fact]
    public async Task The_admin_token_is_root_equivalent_but_not_root_at_pam()
    {
        var perms = (await f.Admin.Get("/access/permissions", ("path", "/nodes/node1"))).Data!["/nodes/node1"]!.AsObject();
        Assert.Contains("Sys.Modify", perms.Select(kv => kv.Key));
        var r = await f.Admin.Put("/access/password", ("userid", "root@pam"), ("password", "pass-word"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
    }

    [Fact]
    public async Task A_deleted_user_loses_its_tokens_and_acl()
    {
        var user = await f.CreateUser("pass-word", ("/vms/177", "PVEVMUser"));
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.Post($"/access/users/{user}/token/tk")).Status);
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.Delete($"/access/users/{user}")).Status);
        Assert.DoesNotContain(user, (await f.Admin.Get("/access/acl")).Body);
        Assert.Equal(HttpStatusCode.InternalServerError, (await f.Admin.Get($"/access/users/{user}/token")).Status);
        Assert.Equal(HttpStatusCode.InternalServerError, (await f.Admin.Delete($"/access/users/{user}")).Status);
    }
}
