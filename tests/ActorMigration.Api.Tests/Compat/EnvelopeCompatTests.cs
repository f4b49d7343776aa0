using System.Net;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Compat;

/// <summary>Checklist points 1–3: envelope, content type, reason phrase, HTTP/1.1, request encodings.</summary>
[Collection(CompatCollection.Name)]
public sealed class EnvelopeCompatTests(ServerFixture f)
{
    private WireClient C => f.Wire();

    [Theory]
    [InlineData("/version")]
    [InlineData("/nodes")]
    [InlineData("/nodes/node1")]
    [InlineData("/nodes/node1/status")]
    [InlineData("/nodes/node1/qemu")]
    [InlineData("/nodes/node1/tasks")]
    [InlineData("/cluster/resources")]
    [InlineData("/cluster/nextid")]
    public async Task Success_has_the_exact_content_type_and_a_data_envelope(string path)
    {
        var r = await C.Get(path);
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("application/json;charset=UTF-8", r.ContentType);
        var json = r.Json!.AsObject();
        Assert.True(json.ContainsKey("data"));
        Assert.NotNull(json["data"]);
        Assert.All(json.Select(p => p.Key), k => Assert.Contains(k, new[] { "data", "total" }));
    }

    [Fact]
    public async Task Post_answers_with_the_exact_content_type_too()
    {
        var vmid = f.NextVmId();
        var r = await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("application/json;charset=UTF-8", r.ContentType);
        Assert.StartsWith("UPID:node1:", r.Data!.GetValue<string>());
        Assert.Equal("OK", await f.Client.Wait(r.Data!.GetValue<string>()));
    }

    [Fact]
    public async Task Parameter_error_envelope_is_data_null_errors_and_message()
    {
        var r = await C.Get("/nodes/node1/qemu", ("full", "yes"));
        Expect.ParamError(r, "full", "type check ('boolean') failed - got 'yes'");
        Assert.Equal(["data", "errors", "message"], r.Json!.AsObject().Select(p => p.Key).Order().ToArray());
        Assert.Contains("\"data\":null", r.Body);
    }

    [Fact]
    public async Task Handler_error_envelope_is_data_null_and_message_with_the_reason_phrase()
    {
        var r = await C.Get("/nodes/node1/qemu/999/status/current");
        Expect.Refused(r, "Configuration file 'nodes/node1/qemu-server/999.conf' does not exist");
        Assert.Equal(["data", "message"], r.Json!.AsObject().Select(p => p.Key).Order().ToArray());
        Assert.Contains("\"data\":null", r.Body);
    }

    [Fact]
    public async Task Not_implemented_uses_the_envelope_too()
    {
        var r = await C.Get("/nodes/node1/foo");
        Expect.Refused(r, "Method 'GET /nodes/node1/foo' not implemented", HttpStatusCode.NotImplemented);
    }

    [Fact]
    public async Task Responses_are_http_1_1_with_the_pve_server_header()
    {
        using var resp = await C.SendRaw(HttpMethod.Get, "/version", [], null);
        Assert.Equal(HttpVersion.Version11, resp.Version);
        Assert.Equal("pve-api-daemon/3.0", resp.Headers.Server.ToString());
        using var err = await C.SendRaw(HttpMethod.Get, "/nodes/nodeX", [], null);
        Assert.Equal(HttpVersion.Version11, err.Version);
        Assert.Equal("no such cluster node 'nodeX'", err.ReasonPhrase);
    }

    [Fact]
    public async Task Form_body_sets_options()
    {
        var vmid = await f.CreateVm();
        var r = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("onboot", "1"), ("cores", "3"), ("description", "a+b 100%"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Null(r.Data);
        var cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal(1, cfg["onboot"]!.GetValue<long>());
        Assert.Equal(3, cfg["cores"]!.GetValue<long>());
        Assert.Equal("a+b 100%", cfg["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Raw_form_encoding_plus_is_a_space_and_stray_percent_is_literal()
    {
        var vmid = await f.CreateVm();
        var r = await C.Send(HttpMethod.Put, $"/nodes/node1/qemu/{vmid}/config", [], null, Expect.Form("description=a+b%2Bc+100%+caf%C3%A9"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal("a b+c 100% café", cfg["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Json_body_works_and_accepts_true_and_false()
    {
        var vmid = f.NextVmId();
        var create = await C.Send(HttpMethod.Post, "/nodes/node1/qemu", [], null,
            Expect.Json($$"""{"vmid":{{vmid}},"memory":"1024","cores":2,"onboot":true,"start":false,"name":"json-vm"}"""));
        Assert.Equal(HttpStatusCode.OK, create.Status);
        Assert.Equal("OK", await f.Client.Wait(create.Data!.GetValue<string>()));
        var cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal(1, cfg["onboot"]!.GetValue<long>());
        Assert.Equal("1024", cfg["memory"]!.GetValue<string>());
        Assert.Equal("json-vm", cfg["name"]!.GetValue<string>());

        var put = await C.Send(HttpMethod.Put, $"/nodes/node1/qemu/{vmid}/config", [], null, Expect.Json("""{"onboot":false,"cores":"4"}"""));
        Assert.Equal(HttpStatusCode.OK, put.Status);
        cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal(0, cfg["onboot"]!.GetValue<long>());
        Assert.Equal(4, cfg["cores"]!.GetValue<long>());
    }

    [Fact]
    public async Task Query_parameters_are_merged_into_a_post_and_override_the_body()
    {
        var vmid = await f.CreateVm();
        var r = await C.Send(HttpMethod.Put, $"/nodes/node1/qemu/{vmid}/config", [("cores", "3")], [("cores", "2"), ("sockets", "2")]);
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal(3, cfg["cores"]!.GetValue<long>());
        Assert.Equal(2, cfg["sockets"]!.GetValue<long>());

        // Only in the query: a create with vmid and memory in the query string and no body.
        var other = f.NextVmId();
        var create = await C.Send(HttpMethod.Post, "/nodes/node1/qemu", [("vmid", other.ToString()), ("memory", "768")], null);
        Assert.Equal(HttpStatusCode.OK, create.Status);
        Assert.Equal("OK", await f.Client.Wait(create.Data!.GetValue<string>()));
        Assert.Equal("768", (await C.Get($"/nodes/node1/qemu/{other}/config")).Data!["memory"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dc_cache_buster_is_ignored()
    {
        var get = await C.Get("/version", ("_dc", "1727120083123"));
        Assert.Equal(HttpStatusCode.OK, get.Status);
        var vmid = await f.CreateVm();
        var put = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("cores", "2"), ("_dc", "1727120083123"));
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Null((await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["_dc"]);
    }

    [Fact]
    public async Task Post_without_a_body_works()
    {
        var vmid = await f.CreateVm();
        var r = await C.Send(HttpMethod.Post, $"/nodes/node1/qemu/{vmid}/status/start", [], null);
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("OK", await f.Client.Wait(r.Data!.GetValue<string>()));
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{vmid}/status/stop"))));
    }

    [Fact]
    public async Task Version_has_version_release_and_repoid()
    {
        var d = (await C.Get("/version")).Data!.AsObject();
        Assert.Matches(@"^\d+\.\d+\.\d+$", d["version"]!.GetValue<string>());
        Assert.Matches(@"^\d+\.\d+$", d["release"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{8,64}$", d["repoid"]!.GetValue<string>());
    }
}
