using System.Net;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Access;

/// <summary>POST /access/ticket, tickets as cookie or header, and the CSRF rule for writes.</summary>
[Collection(AccessCollection.Name)]
public sealed class TicketTests(AccessFixture f)
{
    [Fact]
    public async Task A_login_answers_Proxmox_shape_and_a_wrong_password_is_an_authentication_failure()
    {
        var user = await f.CreateUser("pass-word", ("/vms", "PVEVMUser"));
        var r = await TicketSession.Login(f.Server.Client.Http, user, "pass-word");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var d = r.Data!.AsObject();
        Assert.Equal(user, d["username"]!.GetValue<string>());
        Assert.Matches($"^PVE:{user}:[0-9A-F]{{8}}::[A-Za-z0-9+/]+$", d["ticket"]!.GetValue<string>());
        Assert.Matches("^[0-9A-F]{8}:[A-Za-z0-9+/]+$", d["CSRFPreventionToken"]!.GetValue<string>());
        Assert.Equal(1, d["cap"]!["vms"]!["VM.PowerMgmt"]!.GetValue<int>());
        Assert.Null(d["cap"]!["vms"]!["VM.Allocate"]);

        var wrong = await TicketSession.Login(f.Server.Client.Http, user, "pass-wordx");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal("authentication failure", wrong.Reason);
        var nobody = await TicketSession.Login(f.Server.Client.Http, "nobody@pve", "pass-word");
        Assert.Equal(HttpStatusCode.Unauthorized, nobody.Status);
        // realm as its own parameter, as the GUI sends it.
        using var form = new FormUrlEncodedContent([new("username", user.Split('@')[0]), new("password", "pass-word"), new("realm", "pve")]);
        Assert.Equal(HttpStatusCode.OK, (await f.Server.Client.Http.PostAsync("/api2/json/access/ticket", form)).StatusCode);
    }

    [Fact]
    public async Task Root_logs_in_with_the_members_root_password_file_and_alone_may_set_root_only_keys()
    {
        var file = Path.Combine(f.Server.DataDir, "root.password");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var password = (await File.ReadAllTextAsync(file)).Trim();
        Assert.True(password.Length >= 20, "a random password");

        var wrong = await TicketSession.Login(f.Server.Client.Http, "root@pam", password + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        var root = await TicketSession.Open(f.Server.Client.Http, "root@pam", password);

        const int vm = 9471;
        // The create ends before the config changes (its lock would refuse them).
        Assert.Equal("OK", await f.Server.Client.Wait(await f.Server.Client.Upid(f.Server.Client.Post("/nodes/node1/qemu", ("vmid", $"{vm}")))));
        var refused = await f.Server.Client.Put($"/nodes/node1/qemu/{vm}/config", ("args", "-no-reboot"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("only root can set 'args' config\n", refused.Message);
        Assert.Equal(HttpStatusCode.OK, (await root.Send(HttpMethod.Put, $"/nodes/node1/qemu/{vm}/config", [("args", "-no-reboot")])).Status);
        Assert.Equal("-no-reboot", (await f.Server.Client.Get($"/nodes/node1/qemu/{vm}/config")).Data!["args"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_ticket_needs_no_authentication_and_answers_null()
    {
        var r = await f.Server.Anonymous.Get("/access/ticket");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("""{"data":null}""", r.Body);
    }

    [Fact]
    public async Task A_write_with_a_ticket_needs_the_csrf_token_and_without_it_changes_nothing()
    {
        var user = await f.CreateUser("pass-word", ("/vms/150", "PVEAdmin"));
        var s = await TicketSession.Open(f.Server.Client.Http, user, "pass-word");
        (string, string)[] grant = [("path", "/vms/150"), ("roles", "PVEAuditor"), ("users", user)];
        var refused = await s.Send(HttpMethod.Put, "/access/acl", grant, withCsrf: false);
        Expect.Unauthorized(refused, "Permission denied - invalid csrf token");
        Assert.DoesNotContain("PVEAuditor", (await f.Admin.Get("/access/acl")).Body);

        Assert.Equal(HttpStatusCode.OK, (await s.Send(HttpMethod.Get, "/access/permissions", withCsrf: false)).Status);
        var ok = await s.Send(HttpMethod.Put, "/access/acl", grant);
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Contains("PVEAuditor", (await f.Admin.Get("/access/acl")).Body);
    }

    [Fact]
    public async Task A_forged_or_foreign_ticket_is_refused_and_the_header_form_works()
    {
        var user = await f.CreateUser("pass-word");
        var s = await TicketSession.Open(f.Server.Client.Http, user, "pass-word");
        var forged = s.Ticket.Replace(user, "root@pam");
        var client = new PveClient(f.Server.Client.Http, null);
        Expect.Unauthorized(await client.Send(HttpMethod.Get, "/access/permissions", [], null, authHeader: $"PVEAuthCookie={forged}"),
            "Authentication failed!");
        var r = await client.Send(HttpMethod.Get, "/access/permissions", [], null, authHeader: $"PVEAuthCookie={s.Ticket}");
        Assert.Equal(HttpStatusCode.OK, r.Status);
    }

    [Fact]
    public async Task A_valid_ticket_as_password_renews_it_and_a_forged_one_does_not()
    {
        var user = await f.CreateUser("pass-word");
        var s = await TicketSession.Open(f.Server.Client.Http, user, "pass-word");
        Assert.Equal(HttpStatusCode.OK, (await TicketSession.Login(f.Server.Client.Http, user, s.Ticket)).Status);
        var other = await f.CreateUser("pass-word");
        Assert.Equal(HttpStatusCode.Unauthorized, (await TicketSession.Login(f.Server.Client.Http, other, s.Ticket)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TicketSession.Login(f.Server.Client.Http, user, s.Ticket + "x")).Status);
    }

    [Fact]
    public async Task Users_and_tickets_survive_a_restart_of_the_member()
    {
        await using var server = await InProcessServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.Post("/access/users", ("userid", "keep@pve"), ("password", "keep-pass"))).Status);
        var s = await TicketSession.Open(server.Client.Http, "keep@pve", "keep-pass");
        await server.StopAsync();
        await using var again = await InProcessServer.StartAsync(dataDir: server.DataDir);
        var renewed = new TicketSession(again.Client.Http, s.Ticket, "");
        await PveClient.Eventually(async () => (await renewed.Send(HttpMethod.Get, "/access/permissions")).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "ticket after restart");
        Assert.Equal(HttpStatusCode.OK, (await TicketSession.Login(again.Client.Http, "keep@pve", "keep-pass")).Status);
    }

    [Fact]
    public async Task A_disabled_user_can_neither_log_in_nor_use_an_earlier_ticket()
    {
        var user = await f.CreateUser("pass-word");
        var s = await TicketSession.Open(f.Server.Client.Http, user, "pass-word");
        Assert.Equal(HttpStatusCode.OK, (await f.Admin.Put($"/access/users/{user}", ("enable", "0"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TicketSession.Login(f.Server.Client.Http, user, "pass-word")).Status);
        Expect.Unauthorized(await s.Send(HttpMethod.Get, "/access/permissions"), "Authentication failed!");
    }
}
