namespace ActorMigration.Api.Tests.Validation;

/// <summary>
/// One test (at least) per kind of schema violation: 400 with Proxmox's <c>errors</c> text for the parameter,
/// and nothing changed.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class SchemaValidationTests(ValidationFixture f)
{
    private const string NotDefined = "property is not defined in schema and the schema does not allow additional properties";
    private const string Missing = "property is missing and it is not optional";
    private const string BadVmId = "invalid format - value does not look like a valid VM ID\n";
    private const string BadNode = "invalid format - value does not look like a valid node name\n";
    private const string RootOnly = "Only root may use this option.";
    private static readonly string Cfg = $"/nodes/node1/qemu/{ValidationFixture.Vm}/config";
    private static readonly string Vm = $"/nodes/node1/qemu/{ValidationFixture.Vm}";

    private WireClient C => f.Api;

    // --- missing required parameter

    [Fact]
    public async Task Create_without_vmid_is_refused()
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("memory", "512")));
        var errors = Expect.ParamError(r, "vmid", Missing);
        Assert.Single(errors);
    }

    [Fact]
    public async Task Migrate_without_target_is_refused()
    {
        var r = await f.Unchanged(() => C.Post($"{Vm}/migrate", ("online", "1")));
        Expect.ParamError(r, "target", Missing);
    }

    // --- unknown parameter

    [Fact]
    public async Task Unknown_parameter_on_a_config_update_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("cores", "4"), ("foo", "1")));
        var errors = Expect.ParamError(r, "foo", NotDefined);
        Assert.Single(errors);
    }

    [Fact]
    public async Task Unknown_query_parameter_on_a_get_is_refused()
    {
        var r = await C.Get("/version", ("verbose", "1"));
        Expect.ParamError(r, "verbose", NotDefined);
    }

    [Fact]
    public async Task Unknown_parameter_on_create_is_refused_and_creates_nothing()
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", "150"), ("scsi0", "local:1"), ("colour", "blue")));
        Expect.ParamError(r, "colour", NotDefined);
        await NoVm(150);
    }

    // --- wrong type

    [Theory]
    [InlineData("cores", "abc", "type check ('integer') failed - got 'abc'")]
    [InlineData("cores", "1.5", "type check ('integer') failed - got '1.5'")]
    [InlineData("cores", "0x10", "type check ('integer') failed - got '0x10'")]
    [InlineData("cores", "99999999999999999999", "type check ('integer') failed - got '99999999999999999999'")]
    [InlineData("onboot", "True", "type check ('boolean') failed - got 'True'")]
    [InlineData("onboot", "yes", "type check ('boolean') failed - got 'yes'")]
    [InlineData("onboot", "2", "type check ('boolean') failed - got '2'")]
    [InlineData("onboot", "true", "type check ('boolean') failed - got 'true'")]
    [InlineData("cpulimit", "abc", "type check ('number') failed - got 'abc'")]
    public async Task Wrong_type_is_refused(string param, string value, string message)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (param, value)));
        Expect.ParamError(r, param, message);
    }

    [Fact]
    public async Task Boolean_query_parameter_must_be_0_or_1()
    {
        var r = await C.Get("/nodes/node1/qemu", ("full", "True"));
        Expect.ParamError(r, "full", "type check ('boolean') failed - got 'True'");
    }

    // --- vmid format

    [Theory]
    [InlineData("50")]
    [InlineData("0100")]
    [InlineData("1000000000")]
    [InlineData("-100")]
    public async Task Malformed_vmid_in_the_path_is_refused(string vmid)
    {
        var r = await f.Unchanged(() => C.Put($"/nodes/node1/qemu/{vmid}/config", ("cores", "4")));
        Expect.ParamError(r, "vmid", BadVmId);
    }

    [Fact]
    public async Task Non_numeric_vmid_in_the_path_is_a_type_error()
    {
        var r = await C.Get("/nodes/node1/qemu/abc/status/current");
        Expect.ParamError(r, "vmid", "type check ('integer') failed - got 'abc'");
    }

    [Theory]
    [InlineData("50")]
    [InlineData("0100")]
    [InlineData("1000000000")]
    public async Task Malformed_vmid_on_create_is_refused(string vmid)
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid), ("scsi0", "local:1")));
        Expect.ParamError(r, "vmid", BadVmId);
    }

    [Fact]
    public async Task Malformed_vmid_on_nextid_is_refused()
    {
        var r = await C.Get("/cluster/nextid", ("vmid", "0100"));
        Expect.ParamError(r, "vmid", BadVmId);
    }

    // --- node name format

    [Theory]
    [InlineData("no_de")]
    [InlineData("-x")]
    [InlineData("x-")]
    public async Task Malformed_node_in_the_path_is_refused(string node)
    {
        var r = await f.Unchanged(() => C.Post($"/nodes/{node}/qemu", ("vmid", "151")));
        Expect.ParamError(r, "node", BadNode);
        var get = await C.Get($"/nodes/{node}/qemu/{ValidationFixture.Vm}/status/current");
        Expect.ParamError(get, "node", BadNode);
    }

    [Fact]
    public async Task Malformed_migration_target_is_refused()
    {
        var r = await f.Unchanged(() => C.Post($"{Vm}/migrate", ("target", "no_de")));
        Expect.ParamError(r, "target", BadNode);
    }

    // --- enum

    [Fact]
    public async Task Value_outside_an_enumeration_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("ostype", "dos")));
        Expect.ParamError(r, "ostype",
            "value 'dos' does not have a value in the enumeration 'other, wxp, w2k, w2k3, w2k8, wvista, win7, win8, win10, win11, l24, l26, solaris'");
    }

    [Fact]
    public async Task Unknown_disk_format_is_refused()
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", "152"), ("scsi0", "local:1,format=qcow3")));
        Expect.ParamError(r, "scsi0", "format: value 'qcow3' does not have a value in the enumeration 'raw, qcow2, vmdk'");
        await NoVm(152);
    }

    [Fact]
    public async Task Unknown_resource_type_is_refused()
    {
        var r = await C.Get("/cluster/resources", ("type", "lxc"));
        Expect.ParamError(r, "type", "value 'lxc' does not have a value in the enumeration 'vm, storage, node, sdn'");
    }

    // --- minimum / maximum

    [Fact]
    public async Task Negative_bwlimit_is_refused()
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", "153"), ("scsi0", "local:1"), ("bwlimit", "-1")));
        Expect.ParamError(r, "bwlimit", "value must have a minimum value of 0");
        var m = await f.Unchanged(() => C.Post($"{Vm}/migrate", ("target", "node2"), ("bwlimit", "-1")));
        Expect.ParamError(m, "bwlimit", "value must have a minimum value of 0");
    }

    [Fact]
    public async Task Zero_cores_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("cores", "0")));
        Expect.ParamError(r, "cores", "value must have a minimum value of 1");
    }

    [Fact]
    public async Task Values_above_the_maximum_are_refused()
    {
        var cpulimit = await f.Unchanged(() => C.Put(Cfg, ("cpulimit", "129")));
        Expect.ParamError(cpulimit, "cpulimit", "value must have a maximum value of 128");
        var delay = await f.Unchanged(() => C.Post(Cfg, ("cores", "4"), ("background_delay", "31")));
        Expect.ParamError(delay, "background_delay", "value must have a maximum value of 30");
    }

    [Fact]
    public async Task Timeout_beyond_32_bits_is_a_parameter_error_not_an_overflow()
    {
        var r = await f.Unchanged(() => C.Post($"{Vm}/status/start", ("timeout", "99999999999")));
        Expect.ParamError(r, "timeout", "value must have a maximum value of 2147483647");
    }

    [Fact]
    public async Task Task_log_paging_beyond_32_bits_is_a_parameter_error()
    {
        var upid = (await C.Get("/nodes/node1/tasks", ("limit", "1"))).Data![0]!["upid"]!.GetValue<string>();
        var r = await C.Get($"/nodes/node1/tasks/{upid}/log", ("start", "99999999999"));
        Expect.ParamError(r, "start", "value must have a maximum value of 2147483647");
        var l = await C.Get("/nodes/node1/tasks", ("limit", "99999999999"));
        Expect.ParamError(l, "limit", "value must have a maximum value of 2147483647");
    }

    // --- maxLength

    [Fact]
    public async Task Too_long_description_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("description", new string('d', 8193))));
        Expect.ParamError(r, "description", "value may only be 8192 characters long");
    }

    [Fact]
    public async Task Description_of_exactly_the_maximum_length_is_accepted()
    {
        // The boundary: 8192 is fine (asserted so the refusal above is about the length only).
        var vmid = await f.ScratchVm();
        var r = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("description", new string('d', 8192)));
        Assert.Equal(System.Net.HttpStatusCode.OK, r.Status);
        var cfg = await C.Get($"/nodes/node1/qemu/{vmid}/config");
        Assert.Equal(8192, cfg.Data!["description"]!.GetValue<string>().Length);
    }

    // --- pattern

    [Fact]
    public async Task Vmgenid_not_matching_the_pattern_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("vmgenid", "xyz")));
        Expect.ParamError(r, "vmgenid", "value does not match the regex pattern");
    }

    [Fact]
    public async Task Tags_not_matching_the_tag_format_are_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("tags", "a$b")));
        Expect.ParamError(r, "tags", "invalid format - invalid characters in tag\n");
    }

    // --- requires

    [Fact]
    public async Task Unique_without_archive_names_archive()
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", "154"), ("unique", "1")));
        var errors = Expect.ParamError(r, "archive", "missing property required by 'unique'");
        Assert.Single(errors);
    }

    [Fact]
    public async Task Force_without_archive_names_archive()
    {
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", "154"), ("force", "1")));
        Expect.ParamError(r, "archive", "missing property required by 'force'");
        await NoVm(154);
    }

    [Fact]
    public async Task Force_without_delete_on_a_config_update_names_delete()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("cores", "4"), ("force", "1")));
        Expect.ParamError(r, "delete", "missing property required by 'force'");
    }

    // --- root-only parameters with an API token (the user is root@pam!admin, not root@pam)

    [Theory]
    [InlineData("force", "1")]
    [InlineData("migration_type", "secure")]
    [InlineData("migration_type", "insecure")]
    [InlineData("migration_network", "10.0.0.0/24")]
    public async Task Root_only_migration_parameters_are_refused_for_tokens(string param, string value)
    {
        var r = await f.Unchanged(() => C.Post($"{Vm}/migrate", ("target", "node2"), (param, value)));
        var errors = Expect.ParamError(r, param, RootOnly);
        Assert.Single(errors);
    }

    [Fact]
    public async Task Skiplock_is_refused_for_tokens()
    {
        var put = await f.Unchanged(() => C.Put(Cfg, ("cores", "4"), ("skiplock", "1")));
        Expect.ParamError(put, "skiplock", RootOnly);
        var start = await f.Unchanged(() => C.Post($"{Vm}/status/start", ("skiplock", "1")));
        Expect.ParamError(start, "skiplock", RootOnly);
        var del = await f.Unchanged(() => C.Delete(Vm, ("skiplock", "1")));
        Expect.ParamError(del, "skiplock", RootOnly);
    }

    [Fact]
    public async Task Setting_a_lock_is_refused_for_tokens()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("lock", "migrate")));
        Expect.Refused(r, "only root can set 'lock' config", System.Net.HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Several_bad_parameters_are_reported_together()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("cores", "abc"), ("ostype", "dos"), ("foo", "1")));
        var errors = Expect.ParamErrors(r);
        Assert.Equal(["cores", "foo", "ostype"], errors.Select(e => e.Key).Order().ToArray());
    }

    [Fact]
    public async Task Move_disk_refuses_bad_values_with_proxmoxs_texts_and_changes_nothing()
    {
        Expect.ParamError(await f.Unchanged(() => C.Post($"{Vm}/move_disk", ("disk", "scsi0"), ("storage", "local"), ("bwlimit", "-1"))),
            "bwlimit", "value must have a minimum value of 0");
        Expect.ParamError(await f.Unchanged(() => C.Post($"{Vm}/move-disk", ("storage", "shared"))), "disk", Missing);
        Expect.ParamError(await f.Unchanged(() => C.Post($"{Vm}/move_disk", ("disk", "scsi0"), ("target-vmid", "x"))), "target-vmid",
            "type check ('integer') failed - got 'x'");
        var both = Expect.ParamErrors(await f.Unchanged(() => C.Post($"{Vm}/move_disk", ("disk", "scsi0"))));
        Assert.Equal(["storage", "target-vmid"], both.Select(e => e.Key).Order().ToArray());
        Expect.Refused(await f.Unchanged(() => C.Post($"{Vm}/move_disk", ("disk", "scsi0"), ("storage", "local"))),
            "you can't move to the same storage with same format");
    }

    private async Task NoVm(int vmid)
    {
        var r = await C.Get($"/nodes/node1/qemu/{vmid}/status/current");
        Expect.Refused(r, $"Configuration file 'nodes/node1/qemu-server/{vmid}.conf' does not exist");
    }
}
