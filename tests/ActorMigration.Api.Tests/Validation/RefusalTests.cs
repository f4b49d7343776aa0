using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>Requests that are well-formed but cannot be done: wrong node, missing or existing VM, bad target, unknown task or path.</summary>
[Collection(RequestValidationCollection.Name)]
public sealed class RefusalTests(ValidationFixture f)
{
    private const int Vm = ValidationFixture.Vm;
    private const int OtherVm = ValidationFixture.OtherVm;
    private static readonly string Migrate = $"/nodes/node1/qemu/{Vm}/migrate";

    private WireClient C => f.Api;

    // --- migration target and storage map

    [Fact]
    public async Task Migrating_to_the_local_node_is_refused()
    {
        var r = await f.Unchanged(() => C.Post(Migrate, ("target", "node1")));
        var errors = Expect.ParamError(r, "target", "target is local node.");
        Assert.Single(errors);
    }

    [Fact]
    public async Task Migrating_to_an_unknown_node_is_a_parameter_error()
    {
        // Proxmox answers 500 "no such cluster node"; our issue asks for 400 errors.target.
        var r = await f.Unchanged(() => C.Post(Migrate, ("target", "nodeX")));
        Expect.ParamError(r, "target", "no such cluster node 'nodeX'");
    }

    [Fact]
    public async Task Migration_precondition_with_a_bad_target_is_refused()
    {
        var local = await C.Get(Migrate, ("target", "node1"));
        Expect.ParamError(local, "target", "target is local node.");
        var unknown = await C.Get(Migrate, ("target", "nodeX"));
        Expect.ParamError(unknown, "target", "no such cluster node 'nodeX'");
    }

    [Theory]
    [InlineData("local:shared:x", "failed to parse storage map: 'local:shared:x' is not a valid storage pair")]
    [InlineData("local,shared", "failed to parse storage map: default target storage 'local' already specified")]
    [InlineData("local:shared,local:local", "failed to parse storage map: duplicate mapping for source storage 'local'")]
    [InlineData("Bad!:x", "failed to parse storage map: 'Bad!:x' is not a valid storage pair")]
    public async Task Bad_storage_maps_are_refused(string map, string message)
    {
        var r = await f.Unchanged(() => C.Post(Migrate, ("target", "node2"), ("targetstorage", map)));
        Expect.ParamError(r, "targetstorage", message);
    }

    // --- UPIDs

    [Theory]
    [InlineData("garbage")]
    [InlineData("UPID:node1:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam!ci")]
    [InlineData("UPID:node1:1A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam:")]
    [InlineData("UPID:no_de:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam:")]
    public async Task Unparsable_upid_is_refused(string upid)
    {
        foreach (var path in new[] { "/status", "/log", "" })
        {
            var r = await C.Get($"/nodes/node1/tasks/{Uri.EscapeDataString(upid)}{path}");
            Expect.ParamError(r, "upid", "unable to parse worker upid");
        }
        var del = await f.Unchanged(() => C.Delete($"/nodes/node1/tasks/{Uri.EscapeDataString(upid)}"));
        Expect.ParamError(del, "upid", "unable to parse worker upid");
    }

    [Fact]
    public async Task Unknown_but_well_formed_upid_is_refused()
    {
        const string upid = "UPID:node1:0001A2B3:0C5D3E91:66F1C2D3:qmigrate:100:root@pam!ci:";
        foreach (var path in new[] { "/status", "/log", "" })
        {
            var r = await C.Get($"/nodes/node1/tasks/{upid}{path}");
            Expect.ParamError(r, "upid", "no such task");
        }
        var del = await f.Unchanged(() => C.Delete($"/nodes/node1/tasks/{upid}"));
        Expect.ParamError(del, "upid", "no such task");
    }

    // --- unknown node in the path

    [Theory]
    [InlineData("GET", "/nodes/x")]
    [InlineData("GET", "/nodes/x/status")]
    [InlineData("GET", "/nodes/x/qemu")]
    [InlineData("POST", "/nodes/x/qemu")]
    [InlineData("GET", "/nodes/x/qemu/100")]
    [InlineData("GET", "/nodes/x/qemu/100/config")]
    [InlineData("PUT", "/nodes/x/qemu/100/config")]
    [InlineData("GET", "/nodes/x/qemu/100/status")]
    [InlineData("GET", "/nodes/x/qemu/100/status/current")]
    [InlineData("POST", "/nodes/x/qemu/100/status/start")]
    [InlineData("DELETE", "/nodes/x/qemu/100")]
    [InlineData("GET", "/nodes/x/qemu/100/migrate")]
    [InlineData("POST", "/nodes/x/qemu/100/migrate")]
    [InlineData("GET", "/nodes/x/tasks")]
    public async Task Unknown_node_in_the_path_is_refused(string method, string path)
    {
        (string, string)[] form = method switch
        {
            "POST" when path.EndsWith("/qemu") => [("vmid", "160")],
            "POST" when path.EndsWith("/migrate") => [("target", "node2")],
            "PUT" => [("cores", "4")],
            _ => [],
        };
        var r = await f.Unchanged(() => C.Send(new HttpMethod(method), path, [], method is "POST" or "PUT" ? form : null));
        Expect.Refused(r, "no such cluster node 'x'");
    }

    // --- VM on another node, or missing

    [Theory]
    [InlineData("GET", "/config")]
    [InlineData("PUT", "/config")]
    [InlineData("POST", "/config")]
    [InlineData("GET", "/status/current")]
    [InlineData("POST", "/status/start")]
    [InlineData("POST", "/status/stop")]
    [InlineData("GET", "/migrate")]
    [InlineData("POST", "/migrate")]
    [InlineData("DELETE", "")]
    public async Task Vm_on_another_node_is_not_found_here(string method, string sub)
    {
        // OtherVm lives on node2; node1 does not have its config.
        (string, string)[]? form = method switch
        {
            "PUT" or "POST" when sub == "/config" => [("cores", "4")],
            "POST" when sub == "/migrate" => [("target", "node3")],
            "POST" => [],
            _ => null,
        };
        var r = await f.Unchanged(() => C.Send(new HttpMethod(method), $"/nodes/node1/qemu/{OtherVm}{sub}", [], form));
        Expect.Refused(r, $"Configuration file 'nodes/node1/qemu-server/{OtherVm}.conf' does not exist");
    }

    [Fact]
    public async Task Missing_vm_is_not_found()
    {
        var r = await C.Get("/nodes/node1/qemu/999999999/config");
        Expect.Refused(r, "Configuration file 'nodes/node1/qemu-server/999999999.conf' does not exist");
    }

    // --- existing vmid

    [Fact]
    public async Task Creating_an_existing_vmid_is_refused()
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", Vm.ToString()), ("scsi0", "local:1")));
        Expect.Refused(r, $"unable to create VM {Vm} - VM {Vm} already exists on node 'node1'");
        var elsewhere = await f.Unchanged(() => C.Post("/nodes/node3/qemu", ("vmid", OtherVm.ToString())));
        Expect.Refused(elsewhere, $"unable to create VM {OtherVm} - VM {OtherVm} already exists on node 'node2'");
    }

    [Fact]
    public async Task Nextid_with_a_used_vmid_is_refused()
    {
        var r = await C.Get("/cluster/nextid", ("vmid", Vm.ToString()));
        Expect.ParamError(r, "vmid", $"VM {Vm} already exists");
        var other = await C.Get("/cluster/nextid", ("vmid", OtherVm.ToString()));
        Expect.ParamError(other, "vmid", $"VM {OtherVm} already exists");
    }

    // --- unknown path or method

    [Theory]
    [InlineData("GET", "/nodes/node1/foo")]
    [InlineData("GET", "/foo")]
    [InlineData("POST", "/nodes/node1/qemu/100/foo")]
    [InlineData("PATCH", "/nodes/node1/qemu/100/config")]
    [InlineData("PUT", "/nodes/node1/qemu")]
    [InlineData("DELETE", "/nodes/node1")]
    [InlineData("POST", "/version")]
    public async Task Unknown_path_or_method_is_not_implemented(string method, string path)
    {
        var r = await f.Unchanged(() => C.Send(new HttpMethod(method), path, [], null));
        Expect.Refused(r, $"Method '{method} {path}' not implemented", HttpStatusCode.NotImplemented);
    }
}
