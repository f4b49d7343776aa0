using System.Net;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Security;

/// <summary>
/// Per endpoint group, a real user whose built-in role lacks exactly the privilege the endpoint needs: 403 naming that
/// privilege and path, and nothing changes; the privilege granted, the same request gets past the check.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class EndpointPrivilegeTests(ValidationFixture f)
{
    private static readonly string VmPath = $"/nodes/node1/qemu/{ValidationFixture.Vm}";

    private static void Denied(PveClient.Response r, string what)
    {
        Assert.True(r.Status == HttpStatusCode.Forbidden, $"expected 403, got {r}");
        Assert.Equal($"Permission check failed ({what})", r.Reason);
    }

    [Fact]
    public async Task A_vm_user_may_power_but_not_migrate_clone_snapshot_destroy_or_change_cpus()
    {
        // PVEVMUser: VM.Audit, VM.Backup, VM.Config.CDROM, VM.Config.Cloudinit, VM.Console, VM.PowerMgmt.
        var user = await f.Server.UserSession("vmuser@pve", ($"/vms/{ValidationFixture.Vm}", "PVEVMUser"));
        var vm = $"/vms/{ValidationFixture.Vm}";
        Denied(await f.Unchanged(() => user.Post($"{VmPath}/migrate", ("target", "node2"))), $"{vm}, VM.Migrate");
        Denied(await f.Unchanged(() => user.Get($"{VmPath}/migrate")), $"{vm}, VM.Migrate");
        Denied(await f.Unchanged(() => user.Post($"{VmPath}/clone", ("newid", "991"))), $"{vm}, VM.Clone");
        Denied(await f.Unchanged(() => user.Post($"{VmPath}/snapshot", ("snapname", "s1"))), $"{vm}, VM.Snapshot");
        Denied(await f.Unchanged(() => user.Delete(VmPath)), $"{vm}, VM.Allocate");
        Denied(await f.Unchanged(() => user.Post($"{VmPath}/template")), $"{vm}, VM.Allocate");
        // Past the route's check (it holds a VM.Config.* privilege), refused by the key's category.
        Denied(await f.Unchanged(() => user.Put($"{VmPath}/config", ("cores", "4"))), $"{vm}, VM.Config.CPU");
        Denied(await f.Unchanged(() => user.Put($"{VmPath}/config", ("memory", "4096"))), $"{vm}, VM.Config.Memory");
        Denied(await f.Unchanged(() => user.Put($"{VmPath}/config", ("net1", "virtio,bridge=vmbr0"))), $"{vm}, VM.Config.Network");
        Denied(await f.Unchanged(() => user.Get("/nodes/node1/status")), "/nodes/node1, Sys.Audit");
        // What the role holds gets through.
        Assert.Equal(HttpStatusCode.OK, (await user.Get($"{VmPath}/config")).Status);
        Assert.Equal(HttpStatusCode.OK, (await user.Get($"{VmPath}/status/current")).Status);
        Assert.Single((await user.Get("/nodes/node1/qemu")).Data!.AsArray());
    }

    [Fact]
    public async Task A_clone_needs_vm_allocate_on_the_new_id_and_space_on_the_target_storage()
    {
        var user = await f.Server.UserSession("cloner@pve", ($"/vms/{ValidationFixture.Vm}", "PVETemplateUser"));
        Denied(await f.Unchanged(() => user.Post($"{VmPath}/clone", ("newid", "992"))), "/vms/992, VM.Allocate");
        user = await f.Server.UserSession("cloner@pve", ("/vms/992", "PVEVMAdmin"));
        Denied(await f.Unchanged(() => user.Post($"{VmPath}/clone", ("newid", "992"), ("full", "1"), ("storage", "shared"))),
            "/storage/shared, Datastore.AllocateSpace");
    }

    [Fact]
    public async Task A_migration_to_a_target_storage_needs_space_there_and_a_backup_needs_space_on_its_storage()
    {
        var admin = await f.Server.UserSession("vmadmin@pve", ($"/vms/{ValidationFixture.Vm}", "PVEVMAdmin"));
        Denied(await f.Unchanged(() => admin.Post($"{VmPath}/migrate", ("target", "node2"), ("targetstorage", "shared"))),
            "/storage/shared, Datastore.AllocateSpace");
        Denied(await f.Unchanged(() => admin.Post("/nodes/node1/vzdump", ("vmid", ValidationFixture.Vm.ToString()), ("storage", "local"))),
            "/storage/local, Datastore.AllocateSpace");
        Denied(await f.Unchanged(() => admin.Get("/nodes/node1/storage/local/import-metadata", ("volume", "import/x.ovf"))),
            "/storage/local, Datastore.AllocateSpace|Datastore.Audit");
    }

    [Fact]
    public async Task Creating_a_vm_needs_vm_allocate_and_space_for_its_disks()
    {
        var user = await f.Server.UserSession("creator@pve", ("/vms/993", "PVEVMAdmin"));
        Denied(await f.Unchanged(() => user.Post("/nodes/node1/qemu", ("vmid", "994"), ("memory", "512"))), "/vms/994, VM.Allocate");
        Denied(await f.Unchanged(() => user.Post("/nodes/node1/qemu", ("vmid", "993"), ("memory", "512"), ("scsi0", "local:1"))),
            "/storage/local, Datastore.AllocateSpace");
        // Another VM's disk needs Datastore.Allocate (check_volume_access).
        Denied(await f.Unchanged(() => user.Post("/nodes/node1/qemu", ("vmid", "993"), ("memory", "512"),
            ("scsi0", $"local:{ValidationFixture.Vm}/vm-{ValidationFixture.Vm}-disk-0.qcow2"))), "/storage/local, Datastore.Allocate");
    }
}
