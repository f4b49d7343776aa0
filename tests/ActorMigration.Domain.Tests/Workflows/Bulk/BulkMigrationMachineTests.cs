using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Bulk;

namespace ActorMigration.Domain.Tests.Workflows.Bulk;

/// <summary>migrateall as Proxmox's Nodes.pm runs it: string order, prechecks, maxworkers, its lines and exit statuses.</summary>
public class BulkMigrationMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000001:00000001:migrateall::root@pam:";
    private const string Storage = "dir: local\n\tpath /var/lib/vz\n\tcontent images\n\ndir: shared\n\tpath /mnt/shared\n\tcontent images\n\tshared 1\n";

    private static string Child(int vmid) => $"UPID:node1:00000001:000000{vmid % 100:X2}:00000001:qmigrate:{vmid}:root@pam:";

    private static BulkVm Vm(int vmid, string config, bool running = false) => new(vmid, config, running, null, Child(vmid));

    private static MachineHarness<BulkWorkflowState> Start(int maxWorkers, bool? withLocalDisks, params BulkVm[] vms)
    {
        var h = new MachineHarness<BulkWorkflowState>(new BulkMigrationMachine(), Upid);
        h.Start(new MigrateAllRequest("node1", "node2", maxWorkers, null, withLocalDisks, "root@pam"));
        h.Succeed("scan", new BulkFacts(vms, Storage));
        return h;
    }

    private static TasksStarted Accepted(WorkflowStep step) =>
        new(((StartChildTasks)step).Children.Select(c => new ChildStarted(c.Upid, null)).ToList());

    [Fact]
    public void Children_start_in_string_order_of_vmids_at_most_maxworkers_at_a_time_and_the_log_lists_their_upids()
    {
        var h = Start(2, null, Vm(1000, "memory: 512\n"), Vm(101, "memory: 512\n"), Vm(100, "memory: 512\nscsi0: shared:100/vm-100-disk-0.raw\n", true));
        var first = Assert.IsType<StartChildTasks>(h.Next);
        Assert.Equal([100, 1000], first.Children.Select(c => c.Request.VmId));
        Assert.True(first.Children[0].Request.Online);
        Assert.Equal(("user", Upid, 2), (first.Children[0].Slot.Class, first.Children[0].Slot.Group, first.Children[0].Slot.GroupCap));
        h.Succeed(result: Accepted(first));
        var wait = Assert.IsType<AwaitTasks>(h.Next);
        Assert.Equal([Child(100), Child(1000)], wait.Upids);
        h.Succeed(result: new TasksPolled([]));
        Assert.Equal(wait.Key, h.Next!.Key); // nothing ended: polled again
        h.Succeed(result: new TasksPolled([new ChildEnded(Child(1000), "OK")]));
        var second = Assert.IsType<StartChildTasks>(h.Next);
        Assert.Equal([101], second.Children.Select(c => c.Request.VmId));
        h.Succeed(result: Accepted(second));
        h.AssertRecovers();
        h.Succeed(result: new TasksPolled([new ChildEnded(Child(100), "OK"), new ChildEnded(Child(101), "migration aborted")]));
        Assert.Null(h.Next);
        Assert.Equal(
        [
            "Check VM 100: precondition check passed", "Migrating VM 100", $"VM 100: task {Child(100)}",
            "Check VM 1000: precondition check passed", "Migrating VM 1000", $"VM 1000: task {Child(1000)}",
            "Check VM 101: precondition check passed", "Migrating VM 101", $"VM 101: task {Child(101)}",
            "All jobs finished, used 3 workers in total.", "TASK OK",
        ], h.Log);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void A_running_vm_with_local_disks_and_one_with_local_resources_are_skipped_with_proxmox_lines()
    {
        var h = Start(4, null, Vm(100, "memory: 512\nscsi0: local:100/vm-100-disk-0.qcow2\n", true),
            Vm(101, "memory: 512\nusb0: host=1234:5678\n"), Vm(102, "memory: 512\n"));
        var start = Assert.IsType<StartChildTasks>(h.Next);
        Assert.Equal([102], start.Children.Select(c => c.Request.VmId));
        h.Succeed(result: Accepted(start));
        h.Succeed(result: new TasksPolled([new ChildEnded(Child(102), "OK")]));
        Assert.Equal(
        [
            "Check VM 100: skip VM 100 - precondition check failed:", "  Has local disks: local:100/vm-100-disk-0.qcow2",
            "Check VM 101: skip VM 101 - precondition check failed:", "  Has local resources: usb0",
            "Check VM 102: precondition check passed", "Migrating VM 102", $"VM 102: task {Child(102)}",
            "All jobs finished, used 1 workers in total.", "TASK OK",
        ], h.Log);
    }

    [Fact]
    public void With_local_disks_a_running_vm_with_local_disks_moves()
    {
        var h = Start(1, true, Vm(100, "memory: 512\nscsi0: local:100/vm-100-disk-0.qcow2\n", true));
        var start = Assert.IsType<StartChildTasks>(h.Next);
        Assert.True(start.Children.Single().Request.WithLocalDisks);
    }

    [Fact]
    public void Only_skipped_or_refused_guests_end_in_proxmox_error_and_no_guests_is_ok()
    {
        var skipped = Start(1, null, Vm(100, "memory: 512\nhostpci0: 0000:01:00.0\n"));
        Assert.Null(skipped.Next);
        Assert.Equal("no migrations worker started...", skipped.Core.ExitStatus);
        Assert.Contains("  Has local resources: hostpci0", skipped.Log);

        var refused = Start(1, null, Vm(100, "memory: 512\n"));
        refused.Succeed(result: new TasksStarted([new ChildStarted(Child(100), "VM is locked (backup)")]));
        Assert.Null(refused.Next);
        Assert.Contains("VM is locked (backup)", refused.Log);
        Assert.Equal("no migrations worker started...", refused.Core.ExitStatus);

        var none = Start(1, null);
        Assert.Equal(["no virtual guests matched, nothing to do..", "TASK OK"], none.Log);
    }

    [Fact]
    public void An_abort_aborts_the_running_children_that_still_wait_and_ends_interrupted()
    {
        var h = Start(2, null, Vm(100, "memory: 512\n"), Vm(101, "memory: 512\n"), Vm(102, "memory: 512\n"));
        h.Succeed(result: Accepted(h.Next!));
        h.Abort();
        var abort = Assert.IsType<AbortTasks>(h.Next);
        Assert.Equal([Child(100), Child(101)], abort.Upids);
        h.Succeed(result: new TasksPolled([new ChildEnded(Child(101), "received interrupt")]));
        Assert.Null(h.Next);
        Assert.Equal("received interrupt", h.Core.ExitStatus);
        Assert.DoesNotContain(h.Steps, s => s is StartChildTasks st && st.Children.Any(c => c.Request.VmId == 102));
    }
}
