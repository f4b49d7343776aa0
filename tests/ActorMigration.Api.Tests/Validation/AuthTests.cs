using System.Net;
using System.Text;
using ActorMigration.Api.Http;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>API token authentication: 401 with the reason phrase, an empty body and no content type, before any handler runs.</summary>
[Collection(ValidationCollection.Name)]
public sealed class AuthTests(ValidationFixture f)
{
    private WireClient C => f.Api;
    private string Secret => f.Server.Token[(f.Server.Token.LastIndexOf('=') + 1)..];

    [Fact]
    public async Task Request_without_authorization_gets_no_ticket()
    {
        var r = await f.Anonymous.Get("/nodes");
        Expect.Unauthorized(r, "No ticket");
    }

    [Fact]
    public async Task Unauthenticated_create_changes_nothing()
    {
        var r = await f.Unchanged(() => f.Anonymous.Post("/nodes/node1/qemu", ("vmid", "170"), ("scsi0", "local:1")));
        Expect.Unauthorized(r, "No ticket");
    }

    [Theory]
    [InlineData("PVEAPIToken=root@pam!admin=00000000-0000-0000-0000-000000000000")]
    [InlineData("PVEAPIToken=root@pam!nosuchtoken={secret}")]
    [InlineData("PVEAPIToken=someone@pve!admin={secret}")]
    [InlineData("PVEAPIToken=garbage")]
    [InlineData("PVEAPIToken=")]
    [InlineData("PVEAPIToken={token}x")]
    [InlineData("pveapitoken={token}")]
    [InlineData("Bearer x")]
    [InlineData("Basic cm9vdDpwYXNz")]
    [InlineData("PVEAuthCookie=PVE:root@pam:66F1C2D3::c2ln")]
    public async Task Bad_authorization_header_fails(string header)
    {
        var value = header.Replace("{secret}", Secret).Replace("{token}", f.Server.Token);
        var r = await f.Unchanged(() => C.Send(HttpMethod.Put, $"/nodes/node1/qemu/{ValidationFixture.Vm}/config", [],
            [("cores", "7")], authHeader: value));
        Expect.Unauthorized(r, "Authentication failed!");
    }

    [Fact]
    public async Task Unknown_paths_also_need_authentication()
    {
        var r = await f.Anonymous.Get("/nodes/node1/foo");
        Expect.Unauthorized(r, "No ticket");
    }

    [Fact]
    public async Task Valid_token_is_accepted()
    {
        var r = await C.Send(HttpMethod.Get, "/version", [], null, authHeader: $"PVEAPIToken={f.Server.Token}");
        Assert.Equal(HttpStatusCode.OK, r.Status);
    }

    [Fact]
    public void Token_value_is_split_on_the_last_equals_sign()
    {
        // A user name may contain '=' (PVE user names are [^\s:/]+); the secret never does.
        const string secret = "3c6e0b8a-8b1f-4d3e-9f4a-2b1c0d9e8f7a";
        var store = new TokenStore([$"a=b@pve!ci={secret}"]);
        Assert.True(store.Verify($"a=b@pve!ci={secret}", out var user));
        Assert.Equal("a=b@pve!ci", user);
        Assert.False(store.Verify($"a=b@pve!ci=x={secret}", out _));
        Assert.False(store.Verify($"a={secret}", out _));
        Assert.False(store.Verify($"a=b@pve!ci={secret.ToUpperInvariant()}", out _));
    }

    [Fact]
    public async Task Auth_failures_have_no_body_even_for_a_post_with_a_json_body()
    {
        var r = await C.Send(HttpMethod.Post, "/nodes/node1/qemu", [], null,
            new StringContent("""{"vmid":171}""", Encoding.UTF8, "application/json"), authHeader: "Bearer x");
        Expect.Unauthorized(r, "Authentication failed!");
    }
}
