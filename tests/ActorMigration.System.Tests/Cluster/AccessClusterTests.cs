using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// Users, tokens and tickets across members sharing a PostgreSQL journal: a change acknowledged by one member is
/// seen there at once and on the other shortly; a ticket from one member is valid on the other; the store moves
/// with its state to another member when the member that hosted it leaves.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class AccessClusterTests
{
    private static async Task<JsonNode> Login(MemberProcess m, string user, string password)
    {
        using var form = new FormUrlEncodedContent([new("username", user), new("password", password)]);
        using var r = await m.Client.Http.PostAsync("/api2/json/access/ticket", form);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode} {r.ReasonPhrase} {body}");
        return JsonNode.Parse(body)!["data"]!;
    }

    private static async Task<HttpStatusCode> WithTicket(MemberProcess m, HttpMethod method, string path, JsonNode login,
        params (string, string)[] form)
    {
        using var req = new HttpRequestMessage(method, "/api2/json" + path);
        req.Headers.Add("Cookie", $"PVEAuthCookie={login["ticket"]!.GetValue<string>()}");
        req.Headers.Add("CSRFPreventionToken", login["CSRFPreventionToken"]!.GetValue<string>());
        if (form.Length > 0) req.Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
        using var r = await m.Client.Http.SendAsync(req);
        return r.StatusCode;
    }

    [Fact]
    public async Task Access_changes_tickets_and_tokens_hold_on_every_member_and_move_with_the_store()
    {
        var pg = await Postgres.NewDatabaseAsync();
        var (a, b) = await PostgresClusterTests.TwoMembers(pg, "20");
        await using var ownA = a;
        await using var ownB = b;

        // Acknowledged by A: A sees it at once, B within moments.
        Assert.Equal(HttpStatusCode.OK, (await a.Client.Post("/access/users", ("userid", "ops@pve"), ("password", "ops-pass"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await a.Client.Put("/access/acl", ("path", "/vms"), ("roles", "PVEAdmin"), ("users", "ops@pve"))).Status);
        Assert.Contains("ops@pve", (await a.Client.Get("/access/acl")).Body);
        await PveClient.Eventually(async () => (await b.Client.Get("/access/acl")).Body.Contains("ops@pve"), TimeSpan.FromSeconds(10), "ACL on B");

        // A ticket from A is valid on B, writes included (CSRF token from A).
        var login = await Login(a, "ops@pve", "ops-pass");
        Assert.Equal(HttpStatusCode.OK, await WithTicket(b, HttpMethod.Get, "/access/permissions", login));
        Assert.Equal(HttpStatusCode.OK, await WithTicket(b, HttpMethod.Put, "/access/acl", login,
            ("path", "/vms/300"), ("roles", "PVEAuditor"), ("users", "ops@pve")));

        // A token made on B works on A.
        var token = (await b.Client.Post("/access/users/ops@pve/token/ci", ("privsep", "0"))).Data!;
        Assert.True(a.Pid is not null, a.ReadLog());
        var onA = new PveClient(a.Client.Http, $"ops@pve!ci={token["value"]!.GetValue<string>()}");
        await PveClient.Eventually(async () => (await onA.Get("/access/permissions")).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "token on A");

        // The first member (which hosts the singleton store) leaves: B takes the store over from the journal. (A kill -9
        // of the oldest of two members would down B too: keep-oldest keeps the oldest side when the sides are equal.)
        await a.StopGracefullyAsync();
        await PveClient.Eventually(async () =>
            (await b.Client.Post("/access/users", ("userid", "late@pve"), ("password", "late-pass"))).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(90), "store on B");
        var users = (await b.Client.Get("/access/users")).Body;
        Assert.Contains("ops@pve", users);
        Assert.Contains("late@pve", users);
        Assert.Equal(HttpStatusCode.OK, await WithTicket(b, HttpMethod.Get, "/access/permissions", login));
    }
}
