using System.Net;

namespace ActorMigration.Api.Tests.Ha;

/// <summary>/cluster/ha/resources: Proxmox's shapes and texts; every refusal leaves the HA configuration as it was.</summary>
public sealed class HaResourceApiTests(HaApiFixture f) : IClassFixture<HaApiFixture>
{
    private const string Path = "/cluster/ha/resources";

    private static void Refused(PveClient.Response r, string message)
    {
        Assert.True(r.Status == HttpStatusCode.InternalServerError, $"expected 500, got {r}");
        Assert.Equal(message, r.Reason);
    }

    private static void BadParam(PveClient.Response r, string param, string message)
    {
        Assert.True(r.Status == HttpStatusCode.BadRequest, $"expected 400, got {r}");
        Assert.Equal(message, r.Errors![param]!.GetValue<string>());
    }

    [Fact]
    public async Task A_shared_vm_is_added_read_listed_updated_and_removed_in_Proxmoxs_shape()
    {
        var vm = f.SharedVm;
        Assert.Equal("[{\"id\":\"status\"},{\"id\":\"resources\"},{\"id\":\"groups\"},{\"id\":\"rules\"}]",
            (await f.Client.Get("/cluster/ha")).Data!.ToJsonString());
        // A plain vmid is read as vm:<vmid>, as Proxmox's parse_sid does.
        var added = await f.Client.Post(Path, ("sid", vm.ToString()), ("max_restart", "3"), ("comment", "db"));
        Assert.True(added.Status == HttpStatusCode.OK, added.ToString());
        Assert.Equal("null", added.Data?.ToJsonString() ?? "null");
        var one = (await f.Client.Get($"{Path}/vm:{vm}")).Data!.AsObject();
        Assert.Equal($"vm:{vm}", one["sid"]!.GetValue<string>());
        Assert.Equal("vm", one["type"]!.GetValue<string>());
        Assert.Equal(3, one["max_restart"]!.GetValue<int>());
        Assert.Equal("db", one["comment"]!.GetValue<string>());
        // Only what was set is stored: state, group and max_relocate keep Proxmox's defaults.
        Assert.False(one.ContainsKey("state") || one.ContainsKey("group") || one.ContainsKey("max_relocate"));
        var digest = one["digest"]!.GetValue<string>();
        Assert.Equal(40, digest.Length);
        Assert.Equal(one.ToJsonString(), (await f.Client.Get($"{Path}/{vm}")).Data!.ToJsonString());
        Assert.Single((await f.Client.Get(Path, ("type", "vm"))).Data!.AsArray());
        Assert.Empty((await f.Client.Get(Path, ("type", "ct"))).Data!.AsArray());

        var updated = await f.Client.Put($"{Path}/vm:{vm}", ("state", "enabled"), ("delete", "comment"), ("digest", digest));
        Assert.True(updated.Status == HttpStatusCode.OK, updated.ToString());
        one = (await f.Client.Get($"{Path}/vm:{vm}")).Data!.AsObject();
        Assert.Equal("started", one["state"]!.GetValue<string>());
        Assert.False(one.ContainsKey("comment"));
        // The digest of the old file no longer matches.
        Refused(await f.HaUnchanged(() => f.Client.Put($"{Path}/vm:{vm}", ("state", "stopped"), ("digest", digest))),
            "update resources config failed: detected modified configuration - file changed by other user? Try again.");

        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/vm:{vm}")).Status);
        Refused(await f.Client.Get($"{Path}/vm:{vm}"), $"no such resource 'vm:{vm}'");
        Refused(await f.HaUnchanged(() => f.Client.Delete($"{Path}/vm:{vm}")), $"cannot delete service 'vm:{vm}', not HA managed!");
    }

    [Fact]
    public async Task Bad_sids_unknown_vms_duplicates_local_disks_and_unknown_groups_are_refused_and_change_nothing()
    {
        var vm = await f.ScratchVm(("scsi0", "shared:1"));
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post(Path, ("sid", $"vm:{vm}"), ("state", "stopped"))).Status);

        BadParam(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", "vm 100"))), "sid",
            "invalid format - value does not look like a valid ha resource id\n");
        BadParam(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", $"vm:{vm}"), ("state", "running"))), "state",
            "value 'running' does not have a value in the enumeration 'started, stopped, enabled, disabled, ignored'");
        BadParam(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", $"vm:{vm}"), ("max_restart", "-1"))), "max_restart",
            "value must have a minimum value of 0");
        Refused(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", "vm:999"))), "resource 'vm:999' does not exist in cluster");
        Refused(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", "999"))), "unable to detect SID from VMID - VM/CT 999 does not exist");
        Refused(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", "ct:100"))), "unknown section type 'ct'");
        Refused(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", $"vm:{vm}"), ("type", "ct"))), "types does not match");
        Refused(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", vm.ToString()))), $"create resource failed: resource ID 'vm:{vm}' already defined");
        // Our rule: every disk on shared storage. VM 100 has scsi0 on local.
        Refused(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", "vm:100"))),
            "VM 100 cannot be HA-managed: disk scsi0 is on storage 'local', which is not shared");
        var other = f.SharedVm;
        Refused(await f.HaUnchanged(() => f.Client.Post(Path, ("sid", $"vm:{other}"), ("group", "nosuch"))), "HA group 'nosuch' does not exist");
        Refused(await f.HaUnchanged(() => f.Client.Put($"{Path}/vm:{vm}", ("group", "nosuch"))), "HA group 'nosuch' does not exist");
        Refused(await f.HaUnchanged(() => f.Client.Put($"{Path}/vm:{vm}", ("delete", "sid"))), "update resources config failed: no such option 'sid'");
        Refused(await f.HaUnchanged(() => f.Client.Put($"{Path}/vm:999", ("state", "started"))), "update resources config failed: no such resource 'vm:999'");
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"{Path}/vm:{vm}")).Status);
    }

    [Fact]
    public async Task An_auditor_reads_the_ha_configuration_but_may_not_change_it()
    {
        var auditor = await f.Server.UserSession("haaudit@pve", ("/", "PVEAuditor"));
        Assert.Equal(HttpStatusCode.OK, (await auditor.Get(Path)).Status);
        Assert.Equal(HttpStatusCode.OK, (await auditor.Get("/cluster/ha/status/current")).Status);
        var denied = await f.HaUnchanged(() => auditor.Post(Path, ("sid", $"vm:{f.SharedVm}")));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("Permission check failed (/, Sys.Console)", denied.Reason);
        var nobody = await f.Server.UserSession("hanobody@pve");
        Assert.Equal("Permission check failed (/, Sys.Audit)", (await nobody.Get("/cluster/ha/groups")).Reason);
    }
}
