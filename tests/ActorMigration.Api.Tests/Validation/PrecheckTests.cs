using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>Volumes a request names are checked on the node before anything is written or a task created.</summary>
[Collection(ValidationCollection.Name)]
public sealed class PrecheckTests(ValidationFixture f)
{
    private const int Vm = ValidationFixture.Vm;
    private static readonly string Cfg = $"/nodes/node1/qemu/{Vm}/config";

    private WireClient C => f.Api;

    [Theory]
    [InlineData("PUT", "scsi1")]
    [InlineData("POST", "scsi1")]
    [InlineData("PUT", "unused5")]
    public async Task A_config_change_naming_a_missing_volume_is_refused(string method, string key)
    {
        var volid = $"local:{Vm}/vm-{Vm}-disk-7.qcow2";
        var r = await f.Unchanged(() => C.Send(new HttpMethod(method), Cfg, [], [(key, volid)]));
        Expect.Refused(r, $"volume {volid} does not exist");
    }

    [Fact]
    public async Task A_linked_clone_name_whose_base_is_missing_is_refused()
    {
        // The clone's own file exists (the reference VM's disk); its base does not.
        var volid = $"local:999/base-999-disk-0.qcow2/{Vm}/vm-{Vm}-disk-0.qcow2";
        var r = await f.Unchanged(() => C.Put(Cfg, ("scsi1", volid)));
        Expect.Refused(r, $"base volume local:999/base-999-disk-0.qcow2 of {volid} does not exist");
    }

    [Fact]
    public async Task A_create_naming_a_missing_volume_is_refused()
    {
        var vmid = f.NextVmId();
        var volid = $"local:{vmid}/vm-{vmid}-disk-7.qcow2";
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:1"), ("scsi1", volid)));
        Expect.Refused(r, $"volume {volid} does not exist");
    }

    [Fact]
    public async Task A_missing_import_source_is_refused_before_the_task()
    {
        var vmid = f.NextVmId();
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()),
            ("scsi0", "local:0,import-from=local:import/nosuch.raw")));
        Expect.Refused(r, "cannot import from 'local:import/nosuch.raw' - volume local:import/nosuch.raw does not exist");
    }

    [Fact]
    public async Task An_existing_volume_can_be_attached_again()
    {
        var vmid = await f.ScratchVm(("scsi0", "local:1"));
        var cfg = $"/nodes/node1/qemu/{vmid}/config";
        var volid = $"local:{vmid}/vm-{vmid}-disk-0.qcow2";
        Assert.Equal(HttpStatusCode.OK, (await C.Put(cfg, ("delete", "scsi0"))).Status);
        var r = await C.Put(cfg, ("scsi1", volid));
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        Assert.StartsWith(volid, (await C.Get(cfg)).Data!["scsi1"]!.GetValue<string>());
    }
}
