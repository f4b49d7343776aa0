using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>Config updates and creates with bad <c>delete</c> lists, drive and NIC specs, and digests.</summary>
[Collection(ValidationCollection.Name)]
public sealed class ConfigValidationTests(ValidationFixture f)
{
    private static readonly string Cfg = $"/nodes/node1/qemu/{ValidationFixture.Vm}/config";
    private const string ImportSyntax = "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>";

    private WireClient C => f.Api;

    // --- delete

    [Theory]
    [InlineData("foo", "foo")]
    [InlineData("cores,foo", "foo")]
    [InlineData("vmid", "vmid")]
    [InlineData("digest", "digest")]
    [InlineData("net99", "net99")]
    public async Task Deleting_an_unknown_option_is_refused(string delete, string unknown)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("delete", delete)));
        Expect.ParamError(r, "delete", $"unknown option '{unknown}'");
    }

    [Theory]
    [InlineData("cores", "4", "cores")]
    [InlineData("name", "x", "name;description")]
    [InlineData("name", "x", "description name")]
    public async Task Setting_and_deleting_the_same_option_is_refused(string key, string value, string delete)
    {
        var r = await f.Unchanged(() => C.Put(Cfg, (key, value), ("delete", delete)));
        Expect.ParamError(r, "delete", $"you can't use '-{key}' and -delete {key}' at the same time");
    }

    [Fact]
    public async Task Deleting_with_an_async_update_is_checked_the_same_way()
    {
        var r = await f.Unchanged(() => C.Post(Cfg, ("delete", "foo")));
        Expect.ParamError(r, "delete", "unknown option 'foo'");
    }

    // --- revert (nothing is pending on this VM, so a valid one changes nothing; PendingApiTests has the pending cases)

    [Theory]
    [InlineData("digest", "digest")]
    [InlineData("cores,nosuch", "nosuch")]
    public async Task Reverting_an_unknown_option_is_refused(string revert, string unknown)
    {
        var r = await f.Unchanged(() => C.Post(Cfg, ("revert", revert)));
        Expect.ParamError(r, "revert", $"unknown option '{unknown}'");
    }

    [Fact]
    public async Task Reverting_an_option_that_is_also_set_or_deleted_is_refused()
    {
        var set = await f.Unchanged(() => C.Put(Cfg, ("cores", "3"), ("revert", "cores")));
        Expect.ParamError(set, "delete", "you can't use '-cores' and -revert cores' at the same time");
        var deleted = await f.Unchanged(() => C.Put(Cfg, ("delete", "name"), ("revert", "name")));
        Expect.ParamError(deleted, "revert", "you can't use '-delete name' and -revert name' at the same time");
    }

    [Fact]
    public async Task Reverting_a_known_option_changes_nothing()
    {
        var before = (await C.Get(Cfg)).Data!["digest"]!.GetValue<string>();
        var r = await C.Put(Cfg, ("revert", "cores"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(before, (await C.Get(Cfg)).Data!["digest"]!.GetValue<string>());
    }

    // --- nothing to change

    [Fact]
    public async Task Update_without_options_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg));
        Expect.Refused(r, "no options specified");
    }

    [Fact]
    public async Task Update_with_only_a_digest_is_refused()
    {
        var digest = (await C.Get(Cfg)).Data!["digest"]!.GetValue<string>();
        var r = await f.Unchanged(() => C.Put(Cfg, ("digest", digest)));
        Expect.Refused(r, "no options specified");
        var post = await f.Unchanged(() => C.Post(Cfg, ("delete", "")));
        Expect.Refused(post, "no options specified");
    }

    // --- digest

    [Fact]
    public async Task Wrong_digest_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("cores", "4"), ("digest", "0000000000000000000000000000000000000000")));
        Expect.Refused(r, "checksum mismatch (file change by other user?)");
    }

    [Fact]
    public async Task Too_long_digest_is_a_parameter_error()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("cores", "4"), ("digest", new string('a', 41))));
        Expect.ParamError(r, "digest", "value may only be 40 characters long");
    }

    // --- drive specs

    [Fact]
    public async Task Disk_on_an_unknown_storage_is_refused()
    {
        var vmid = f.NextVmId();
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "nosuchstorage:4")));
        Expect.ParamError(r, "scsi0", "storage 'nosuchstorage' does not exist");
        await NoVm(vmid);
    }

    [Fact]
    public async Task Import_from_with_a_size_needs_the_special_syntax()
    {
        var vmid = f.NextVmId();
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:4,import-from=x")));
        Expect.ParamError(r, "scsi0", ImportSyntax);
        var onVolume = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()),
            ("scsi0", "local:100/vm-100-disk-0.qcow2,import-from=local:import/a.vmdk")));
        Expect.ParamError(onVolume, "scsi0", ImportSyntax);
        await NoVm(vmid);
    }

    [Fact]
    public async Task Import_from_an_unparsable_source_is_refused()
    {
        var vmid = f.NextVmId();
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:0,import-from=x")));
        Expect.ParamError(r, "scsi0", "unable to parse volume ID 'x'");
    }

    [Theory]
    [InlineData("local:4,foo=bar", "unknown drive option 'foo'")]
    [InlineData("local:4,size", "duplicate key in comma-separated list property: file")]
    [InlineData("local:4,size=12X", "size: unable to parse size '12X'")]
    [InlineData("local:4,media=tape", "media: value 'tape' does not have a value in the enumeration 'disk, cdrom'")]
    [InlineData("local:0", "size must be greater than 0")]
    [InlineData("local:abc", "unable to parse directory volume name 'abc'")]
    [InlineData("local:iso/x.iso", "volume 'local:iso/x.iso' has wrong content type 'iso'")]
    [InlineData("local:99999999999/vm-99999999999-disk-0.qcow2", "unable to parse volume ID 'local:99999999999/vm-99999999999-disk-0.qcow2'")]
    [InlineData("local:99999999999999999999", "size is too large")]
    [InlineData("local:4,cache=fast", "cache: value 'fast' does not have a value in the enumeration 'none, writethrough, writeback, unsafe, directsync'")]
    [InlineData("local:4,iothread=\u0661", "iothread: type check ('boolean') failed - got '\u0661'")]
    [InlineData("local:4,queues=99", "queues: value must have a maximum value of 16")]
    [InlineData("local:4,mbps=NaN", "mbps: type check ('number') failed - got 'NaN'")]
    [InlineData("local:4,serial=a/b", "serial: value does not match the regex pattern")]
    public async Task Bad_drive_specs_are_refused(string spec, string message)
    {
        var vmid = f.NextVmId();
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", spec)));
        Expect.ParamError(r, "scsi0", message);
    }

    [Fact]
    public async Task Bad_drive_spec_on_update_is_refused()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("scsi1", "nosuchstorage:4")));
        Expect.ParamError(r, "scsi1", "storage 'nosuchstorage' does not exist");
        var unknownKey = await f.Unchanged(() => C.Put(Cfg, ("scsi31", "local:1")));
        Expect.ParamError(unknownKey, "scsi31", "property is not defined in schema and the schema does not allow additional properties");
    }

    // --- NIC specs

    [Theory]
    [InlineData("rtl9000,bridge=vmbr0", "invalid format - unknown network model 'rtl9000'\n")]
    [InlineData("virtio=zz:zz:zz:zz:zz:zz,bridge=vmbr0", "invalid format - invalid MAC address 'zz:zz:zz:zz:zz:zz'\n")]
    [InlineData("virtio,macaddr=BC:24:11,bridge=vmbr0", "invalid format - invalid MAC address 'BC:24:11'\n")]
    [InlineData("virtio,bridge=vmbr0,speed=10", "invalid format - unknown network option 'speed'\n")]
    [InlineData("bridge=vmbr0", "invalid format - missing network model\n")]
    [InlineData("virtio,bridge=vmbr0,tag=\u0661", "invalid format - tag: type check ('integer') failed - got '\u0661'\n")]
    [InlineData("virtio,bridge=vmbr0,tag=0", "invalid format - tag: value must have a minimum value of 1\n")]
    [InlineData("virtio,bridge=vmbr0,rate=Infinity", "invalid format - rate: type check ('number') failed - got 'Infinity'\n")]
    [InlineData("virtio,bridge=vm/br0", "invalid format - bridge: value does not match the regex pattern\n")]
    [InlineData("virtio,bridge=vmbr0,trunks=10;x", "invalid format - trunks: value does not match the regex pattern\n")]
    public async Task Bad_net_specs_are_refused(string spec, string message)
    {
        var put = await f.Unchanged(() => C.Put(Cfg, ("net1", spec)));
        Expect.ParamError(put, "net1", message);
        var vmid = f.NextVmId();
        var create = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("net0", spec)));
        Expect.ParamError(create, "net0", message);
    }

    private async Task NoVm(int vmid)
    {
        var r = await C.Get($"/nodes/node1/qemu/{vmid}/status/current");
        Expect.Refused(r, $"Configuration file 'nodes/node1/qemu-server/{vmid}.conf' does not exist");
    }
}
