using System.Net;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>
/// Issue 8, "what is persisted can always be read back": strict numbers, control characters refused whatever the
/// parameter's type, ASCII digits only, and Proxmox's legacy boot format (<c>boot: cdn</c>, <c>bootdisk</c>) read as
/// Proxmox reads it, so listings keep answering.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class PersistedConfigTests(ValidationFixture f)
{
    private const string ControlChars = "value must not contain control characters";
    private static readonly string Cfg = $"/nodes/node1/qemu/{ValidationFixture.Vm}/config";

    private WireClient C => f.Api;

    /// <summary>The listings that the newline and boot reproductions took down.</summary>
    private async Task ListingsAnswer(int vmid)
    {
        foreach (var path in new[] { "/cluster/resources", "/nodes/node1/qemu", $"/nodes/node1/qemu/{vmid}/status/current",
            $"/nodes/node1/qemu/{vmid}/config" })
        {
            var r = await C.Get(path);
            Assert.True(r.Status == HttpStatusCode.OK, $"{path}: {r}");
        }
        var list = (await C.Get("/nodes/node1/qemu")).Data!.AsArray();
        Assert.Contains(list, v => v!["vmid"]!.GetValue<int>() == vmid);
        Assert.Contains(list, v => v!["vmid"]!.GetValue<int>() == ValidationFixture.Vm);
    }

    // --- Why 1: a newline in a numeric key

    [Theory]
    [InlineData("cpulimit", "\n5")]
    [InlineData("cpulimit", "5\n")]
    [InlineData("cores", "\n4")]
    [InlineData("onboot", "1\n")]
    [InlineData("cores", "4\u0085")] // C1 control (NEL)
    public async Task A_control_character_in_a_value_of_any_type_is_refused(string param, string value)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (param, value)));
        Expect.ParamError(r, param, ControlChars);
        await ListingsAnswer(ValidationFixture.Vm);
    }

    [Fact]
    public async Task The_json_form_of_the_reproduction_is_refused_too()
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, Cfg, Expect.Json("""{"cpulimit":" \r\n5"}""")));
        Expect.ParamError(r, "cpulimit", ControlChars);
    }

    [Theory]
    [InlineData("cpulimit", "NaN", "number")]
    [InlineData("cpulimit", "Infinity", "number")]
    [InlineData("cpulimit", "-Infinity", "number")]
    [InlineData("cpulimit", "1e999", "number")]
    [InlineData("cpulimit", " 5", "number")]
    [InlineData("cpulimit", "5 ", "number")]
    [InlineData("cpulimit", "\u0665", "number")] // Arabic-Indic five
    [InlineData("cpulimit", "1,5", "number")]
    [InlineData("cpulimit", "0x5", "number")]
    [InlineData("cores", " 4", "integer")]
    [InlineData("cores", "4 ", "integer")]
    [InlineData("cores", "\u0664", "integer")]
    [InlineData("cores", "\uff14", "integer")] // fullwidth four
    [InlineData("cpuunits", "1\u00a0000", "integer")]
    [InlineData("migrate_downtime", "NaN", "number")]
    [InlineData("migrate_downtime", "0.5 ", "number")]
    [InlineData("migrate_downtime", "1e999", "number")]
    [InlineData("migrate_speed", "\uff18", "integer")] // fullwidth eight
    [InlineData("migrate_speed", "8.0", "integer")]
    public async Task Numbers_are_parsed_strictly(string param, string value, string type)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (param, value)));
        Expect.ParamError(r, param, $"type check ('{type}') failed - got '{value}'");
    }

    [Fact]
    public async Task Numbers_in_pve_common_syntax_are_accepted()
    {
        var vmid = await f.ScratchVm();
        foreach (var (param, value, stored) in new[]
                 {
                     ("cpulimit", "1.5", "1.5"), ("cpulimit", ".5", ".5"), ("cpulimit", "2.", "2."), ("cpulimit", "1e1", "1e1"),
                     ("cpulimit", "+3", "+3"), ("cores", "+3", "3"), ("cores", "007", "7"),
                     ("migrate_downtime", ".5", "0.5"), ("migrate_speed", "+8", "8"), // JSON numbers on GET
                 })
        {
            var r = await C.Put($"/nodes/node1/qemu/{vmid}/config", (param, value));
            Assert.True(r.Status == HttpStatusCode.OK, $"{param}={value}: {r}");
            Assert.Equal(stored, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data![param]!.ToString());
        }
    }

    [Theory]
    [InlineData("memory", " 512")]
    [InlineData("memory", "\u0665\u0661\u0662")]
    public async Task Memory_is_an_integer_with_ascii_digits(string param, string value)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (param, value)));
        Expect.ParamError(r, param, "invalid format - value must be an integer of at least 16\n");
    }

    // --- Why 6: Unicode digits give 400s with errors, never .NET texts

    [Theory]
    [InlineData("scsi1", "local:\u0661", "unable to parse directory volume name '\u0661'")]
    [InlineData("scsi1", "local:\u0661\u0660\u0660/vm-100-disk-0.qcow2", "unable to parse directory volume name '\u0661\u0660\u0660/vm-100-disk-0.qcow2'")]
    [InlineData("scsi1", "local:100/vm-100-disk-0.qcow2,size=\u0664G", "size: unable to parse size '\u0664G'")]
    public async Task Unicode_digits_in_a_drive_are_a_parameter_error(string param, string value, string message)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (param, value)));
        Expect.ParamError(r, param, message);
        var create = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", f.NextVmId().ToString()), (param, value)));
        Expect.ParamError(create, param, message);
    }

    [Fact]
    public void A_format_check_that_meets_a_dotnet_parse_error_answers_without_its_text()
    {
        var dotnet = new ParamSpec("x", Format: v => int.Parse(v) > 0 ? null : "must be positive");
        Assert.Equal("invalid format - unable to parse value '\u0661'\n", ParamSchema.CheckValue(dotnet, "\u0661"));
        var overflow = new ParamSpec("x", Check: v => checked((int)long.Parse(v)) > 0 ? null : "must be positive");
        Assert.Equal("invalid format - unable to parse value '99999999999'\n", ParamSchema.CheckValue(overflow, "99999999999"));
        // Our own parsers' messages are Proxmox's texts and are kept.
        var ours = new ParamSpec("x", Format: v => PropertyString.Parse(v).Items.Count > 0 ? null : "empty");
        Assert.Equal("invalid format - missing key in comma-separated list property: 'a'\n", ParamSchema.CheckValue(ours, "a"));
    }

    [Theory]
    [InlineData("scsi\u0661")]
    [InlineData("net\u0661")]
    [InlineData("unused\u0661")]
    [InlineData("hostpci\u0661")]
    [InlineData("net0\n")]
    public async Task A_key_with_a_unicode_digit_or_a_newline_is_no_option(string key)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (key, "virtio")));
        Expect.ParamError(r, key, "property is not defined in schema and the schema does not allow additional properties");
    }

    [Fact]
    public async Task A_machine_pattern_takes_ascii_digits_only()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("machine", "pc-i440fx-\u0668.\u0660")));
        Expect.ParamError(r, "machine", "value does not match the regex pattern");
    }

    // --- Why 2: Proxmox's legacy boot format

    [Fact]
    public async Task Legacy_boot_and_bootdisk_are_accepted_and_every_listing_keeps_answering()
    {
        var vmid = await f.ScratchVm(("scsi0", "local:1"), ("scsi1", "local:2"));
        var cfg = $"/nodes/node1/qemu/{vmid}/config";
        var r = await C.Put(cfg, ("boot", "cdn"), ("bootdisk", "scsi1"));
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        var data = (await C.Get(cfg)).Data!;
        Assert.Equal("cdn", data["boot"]!.GetValue<string>());
        Assert.Equal("scsi1", data["bootdisk"]!.GetValue<string>());
        Assert.Null(data["error"]);
        await ListingsAnswer(vmid);

        // maxdisk is the size of the legacy boot disk, as bootdisk_size reads it.
        var entry = (await C.Get("/cluster/resources", ("type", "vm"))).Data!.AsArray().Single(v => v!["vmid"]!.GetValue<int>() == vmid)!;
        Assert.Equal(2L << 30, entry["maxdisk"]!.GetValue<long>());
        Assert.Null(entry["error"]);
        var current = (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!;
        Assert.Equal(2L << 30, current["maxdisk"]!.GetValue<long>());

        // Back to order=: the first disk of the order.
        Assert.Equal(HttpStatusCode.OK, (await C.Put(cfg, ("boot", "order=scsi0;scsi1"), ("delete", "bootdisk"))).Status);
        var again = (await C.Get("/nodes/node1/qemu")).Data!.AsArray().Single(v => v!["vmid"]!.GetValue<int>() == vmid)!;
        Assert.Equal(1L << 30, again["maxdisk"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("boot", "order=scsi0,order=net0", "invalid format - duplicate key in comma-separated list property: order\n")]
    [InlineData("boot", "cdn,dc", "invalid format - duplicate key in comma-separated list property: legacy\n")]
    [InlineData("boot", "xyz", "invalid format - format error\nlegacy: value does not match the regex pattern\n")]
    [InlineData("boot", "order=scsi0;nosuch0", "invalid format - format error\norder: invalid format - invalid boot device 'nosuch0'\n")]
    [InlineData("boot", "menu=1", "invalid format - invalid key in comma-separated list property: menu\n")]
    [InlineData("bootdisk", "net0", "invalid format - invalid boot disk 'net0'\n")]
    [InlineData("bootdisk", "scsi31", "invalid format - invalid boot disk 'scsi31'\n")]
    public async Task Malformed_boot_values_are_refused(string param, string value, string message)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (param, value)));
        Expect.ParamError(r, param, message);
    }
}
