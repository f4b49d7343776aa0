using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>Malformed requests: conflicting and repeated parameters, broken bodies, bad characters.</summary>
[Collection(RequestValidationCollection.Name)]
public sealed class BodyValidationTests(ValidationFixture f)
{
    private const string Conflict = "duplicate parameter (already defined in URI) with conflicting values!";
    private static readonly string Cfg = $"/nodes/node1/qemu/{ValidationFixture.Vm}/config";

    private WireClient C => f.Api;

    // --- path / body conflicts

    [Fact]
    public async Task Vmid_in_the_form_body_differing_from_the_path_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("vmid", "101"), ("cores", "4")));
        var errors = Expect.ParamError(r, "vmid", Conflict);
        Assert.Single(errors);
    }

    [Fact]
    public async Task Node_in_the_body_differing_from_the_path_is_refused()
    {
        var r = await f.Unchanged(() => C.Post($"/nodes/node1/qemu/{ValidationFixture.Vm}/migrate", ("node", "node2"), ("target", "node3")));
        Expect.ParamError(r, "node", Conflict);
    }

    [Fact]
    public async Task Vmid_in_a_json_body_differing_from_the_path_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json("""{"vmid":101,"cores":4}""")));
        Expect.ParamError(r, "vmid", Conflict);
    }

    [Fact]
    public async Task Vmid_in_the_query_differing_from_the_path_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg + "?vmid=0100", Expect.Form("cores=4")));
        Expect.ParamError(r, "vmid", Conflict);
    }

    [Fact]
    public async Task Vmid_in_the_body_equal_to_the_path_is_not_a_conflict()
    {
        var vmid = await f.ScratchVm();
        var r = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("vmid", vmid.ToString()), ("node", "node1"), ("cores", "3"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(3, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["cores"]!.GetValue<long>());
    }

    // --- repeated keys

    [Fact]
    public async Task Duplicated_query_key_is_refused()
    {
        var r = await C.Get("/nodes/node1/qemu", ("full", "1"), ("full", "0"));
        Expect.ParamError(r, "full", "duplicate parameter");
    }

    [Fact]
    public async Task Duplicated_query_key_on_a_post_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Post, $"/nodes/node1/qemu/{ValidationFixture.Vm}/migrate?target=node2&target=node3"));
        Expect.ParamError(r, "target", "duplicate parameter");
    }

    [Fact]
    public async Task Duplicated_form_key_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("cores", "3"), ("cores", "4")));
        Expect.ParamError(r, "cores", "duplicate parameter");
    }

    // --- JSON bodies

    [Theory]
    [InlineData("""{"cores":""")]
    [InlineData("""{"cores":4,}""")]
    [InlineData("""{cores:4}""")]
    [InlineData("""not json""")]
    [InlineData("")]
    public async Task Malformed_json_body_is_refused(string body)
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json(body)));
        var errors = Expect.ParamErrors(r);
        Assert.StartsWith("unable to parse JSON body - ", errors["body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"cores\"")]
    [InlineData("42")]
    public async Task Json_body_that_is_not_an_object_is_refused(string body)
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json(body)));
        Expect.ParamError(r, "body", "JSON body must be an object");
    }

    [Theory]
    [InlineData("""{"cores":{"value":4}}""", "cores", "type check ('string') failed - got object")]
    [InlineData("""{"cores":[4]}""", "cores", "type check ('string') failed - got array")]
    [InlineData("""{"name":"x","net1":{"model":"virtio"}}""", "net1", "type check ('string') failed - got object")]
    public async Task Json_body_with_nested_values_is_refused(string body, string param, string message)
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json(body)));
        Expect.ParamError(r, param, message);
    }

    [Fact]
    public async Task Deeply_nested_json_is_refused()
    {
        var deep = """{"cores":""" + new string('[', 200) + new string(']', 200) + "}";
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json(deep)));
        Expect.ParamErrorStartsWith(r, "body", "unable to parse JSON body - ");
    }

    [Fact]
    public async Task Json_numbers_are_type_checked_like_form_values()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json("""{"cores":2.5,"onboot":2}""")));
        Expect.ParamError(r, "cores", "type check ('integer') failed - got '2.5'");
        Expect.ParamError(r, "onboot", "type check ('boolean') failed - got '2'");
    }

    // --- form bodies

    [Fact]
    public async Task Multipart_body_without_boundary_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Bytes("cores=4"u8.ToArray(), "multipart/form-data")));
        Expect.ParamError(r, "body", "unable to parse form body - malformed multipart body");
    }

    [Fact]
    public async Task Form_with_a_huge_key_is_an_unknown_property()
    {
        var key = new string('k', 3000);
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Form(key + "=1")));
        Expect.ParamError(r, key, "property is not defined in schema and the schema does not allow additional properties");
    }

    [Fact]
    public async Task Form_with_an_empty_key_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Form("cores=4&=x")));
        Expect.ParamError(r, "", "property is not defined in schema and the schema does not allow additional properties");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/octet-stream")]
    public async Task Body_with_an_unsupported_content_type_is_refused(string contentType)
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Bytes("cores=4"u8.ToArray(), contentType)));
        Expect.ParamError(r, "body", $"unsupported content type '{contentType}'");
    }

    // --- huge bodies

    [Fact]
    public async Task Huge_form_value_is_refused_by_its_max_length()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Form("description=" + new string('a', 5_000_000))));
        Expect.ParamError(r, "description", "value may only be 8192 characters long");
    }

    [Fact]
    public async Task Huge_json_value_is_refused_by_its_max_length()
    {
        var body = """{"description":""" + "\"" + new string('a', 5_000_000) + "\"}";
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json(body)));
        Expect.ParamError(r, "description", "value may only be 8192 characters long");
    }

    [Fact]
    public async Task Json_body_above_the_request_limit_is_refused_with_an_envelope()
    {
        var body = """{"description":""" + "\"" + new string('a', 31_000_000) + "\"}";
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json(body), expectContinue: true));
        Expect.ParamError(r, "body", "unable to parse JSON body - Request body too large. The max request body size is 30000000 bytes.");
    }

    [Fact]
    public async Task Form_body_above_the_request_limit_is_refused_with_an_envelope()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Form("description=" + new string('a', 31_000_000)), expectContinue: true));
        Expect.ParamError(r, "body", "unable to parse form body - Request body too large. The max request body size is 30000000 bytes.");
    }

    // --- characters

    [Theory]
    [InlineData("cpu", "host\nlock: migrate")]
    [InlineData("args", "-x\u0000y")]
    [InlineData("description", "bell\u0007")]
    [InlineData("description", "del\u007f")]
    public async Task Control_characters_in_form_values_are_refused(string param, string value)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (param, value)));
        Expect.ParamError(r, param, "value must not contain control characters");
    }

    [Fact]
    public async Task A_multi_line_description_is_stored_as_notes_and_cannot_inject_a_config_line()
    {
        var r = await f.Raw(HttpMethod.Put, Cfg, Expect.Json("""{"description":"x\nlock: migrate\r\nhostpci0: 0000:01:00.0"}"""));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var cfg = await C.Get(Cfg);
        Assert.Null(cfg.Data!["lock"]);
        Assert.Null(cfg.Data!["hostpci0"]);
        Assert.Equal("x\nlock: migrate\r\nhostpci0: 0000:01:00.0", cfg.Data!["description"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await C.Put(Cfg, ("delete", "description"))).Status);
    }

    [Fact]
    public async Task A_newline_in_any_other_value_is_refused()
    {
        var vmid = f.NextVmId();
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("name", "a\nlock: migrate")));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.NotNull(r.Errors!["name"]);
    }

    [Fact]
    public async Task Invalid_utf8_in_a_form_value_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Form("description=caf%E9")));
        Expect.ParamError(r, "description", "value is not valid UTF-8");
        var raw = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg,
            Expect.Bytes([.. "description=caf"u8, 0xE9], "application/x-www-form-urlencoded")));
        Expect.ParamError(raw, "description", "value is not valid UTF-8");
    }

    [Fact]
    public async Task Invalid_utf8_in_the_query_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg + "?description=%FF%FE", Expect.Form("cores=4")));
        Expect.ParamError(r, "description", "value is not valid UTF-8");
    }

    [Fact]
    public async Task Invalid_utf8_in_a_json_body_is_refused()
    {
        var body = Expect.Bytes([.. """{"description":"caf"""u8, 0xE9, .. "\"}"u8], "application/json");
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, body));
        Expect.ParamErrorStartsWith(r, "body", "unable to parse JSON body - ");
    }

    [Fact]
    public async Task Lone_surrogate_escape_in_a_json_body_is_refused()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json("""{"description":"\ud800"}""")));
        Expect.ParamErrorStartsWith(r, "body", "unable to parse JSON body - ");
    }

    [Fact]
    public async Task Malformed_property_strings_are_format_errors_not_crashes()
    {
        var memory = await f.Unchanged(() => C.Put(Cfg, ("memory", "1024,x")));
        Expect.ParamError(memory, "memory", "invalid format - duplicate key in comma-separated list property: current\n");
        var smbios = await f.Unchanged(() => C.Put(Cfg, ("smbios1", "foo")));
        Expect.ParamError(smbios, "smbios1", "invalid format - missing key in comma-separated list property: 'foo'\n");
    }

    [Fact]
    public async Task Non_ascii_text_is_fine_where_the_schema_allows_it()
    {
        var vmid = await f.ScratchVm();
        var r = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("description", "Café ☕ tab\there"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal("Café ☕ tab\there", (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["description"]!.GetValue<string>());
    }
}
