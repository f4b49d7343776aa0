using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>The answer shapes of the access routes (pve-access-control's PVE/API2/{AccessControl,User,ACL,Role}.pm).</summary>
public sealed class AccessShapeTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    [Covers("GET /access/ticket", "POST /access/ticket", "GET /access/permissions", "GET /access/roles", "GET /access/acl", "PUT /access/acl",
        "GET /access/users", "POST /access/users", "GET /access/users/{userid}", "PUT /access/users/{userid}", "DELETE /access/users/{userid}",
        "PUT /access/password", "GET /access/users/{userid}/token", "GET /access/users/{userid}/token/{tokenid}",
        "POST /access/users/{userid}/token/{tokenid}", "PUT /access/users/{userid}/token/{tokenid}", "DELETE /access/users/{userid}/token/{tokenid}")]
    public async Task Access_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(f.Client);
        const string user = "shape@pve", u = "/access/users/shape@pve";
        await s.Check("POST", "/access/users", "/access/users", "null", ("userid", user), ("password", "shape-pass-1"), ("comment", "c"));
        await s.Get("/access/users", "/access/users", "[{userid:str, enable:bool?, expire:int?, comment:str?, firstname:str?, email:str?}]");
        await s.Get("/access/users/{userid}", u, "{enable:bool?, expire:int?, comment:str?, groups:[str]?}");
        await s.Check("PUT", "/access/users/{userid}", u, "null", ("comment", "d"));
        await s.Check("PUT", "/access/password", "/access/password", "null", ("userid", user), ("password", "shape-pass-2"));
        await s.Check("PUT", "/access/acl", "/access/acl", "null", ("path", "/vms/123"), ("roles", "PVEAuditor"), ("users", user));
        await s.Get("/access/acl", "/access/acl", "[{path:str, type:str, ugid:str, roleid:str, propagate:bool}]");
        await s.Get("/access/roles", "/access/roles", "[{roleid:str, privs:str, special:bool?}]");
        await s.Get("/access/permissions", "/access/permissions", "{*:{*:bool}}", ("userid", user));

        var anonymous = s.As(f.Server.Anonymous);
        await anonymous.Get("/access/ticket", "/access/ticket", "null");
        await anonymous.Check("POST", "/access/ticket", "/access/ticket", "{username:str, ticket:str, CSRFPreventionToken:str, cap:{}}",
            ("username", user), ("password", "shape-pass-2"));

        var token = $"{u}/token/t1";
        await s.Check("POST", "/access/users/{userid}/token/{tokenid}", token, "{full-tokenid:str, info:{privsep:bool?, expire:int?}, value:str}",
            ("privsep", "1"));
        await s.Get("/access/users/{userid}/token", $"{u}/token", "[{tokenid:str, privsep:bool?, expire:int?, comment:str?}]");
        await s.Get("/access/users/{userid}/token/{tokenid}", token, "{privsep:bool?, expire:int?, comment:str?}");
        await s.Check("PUT", "/access/users/{userid}/token/{tokenid}", token, "{privsep:bool?, expire:int?, comment:str?}", ("comment", "x"));
        await s.Check("DELETE", "/access/users/{userid}/token/{tokenid}", token, "null");
        await s.Check("DELETE", "/access/users/{userid}", u, "null");
        s.AssertAllChecked(this);
    }
}
