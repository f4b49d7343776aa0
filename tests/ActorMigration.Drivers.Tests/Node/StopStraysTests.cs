using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Node;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>Re-adopted VMs that wait for a workflow on node pve1, checked against their records.</summary>
public sealed class StopStraysTests : NodeOperationsTest
{
    private readonly Dictionary<int, VmOwnership> _records = new();

    private Task<VmOwnership> RecordOf(int vmid) =>
        _records.TryGetValue(vmid, out var r) ? Task.FromResult(r) : Task.FromException<VmOwnership>(new InvalidOperationException("no answer"));

    private async Task Incoming(int vmid) =>
        await Driver.Hypervisor.StartAsync(Spec(vmid, tag: $"UPID:pve2:{vmid}", incoming: new IncomingSpec("127.0.0.1", [])));

    private async Task<VmRunState> State(int vmid) => (await Driver.Hypervisor.GetAsync(vmid)).State;

    [Fact]
    public async Task A_waiting_vm_whose_unlocked_record_is_elsewhere_or_absent_is_stopped()
    {
        await Incoming(100);
        await Incoming(101);
        _records[100] = new VmOwnership("pve2", Locked: false);
        _records[101] = new VmOwnership(null, Locked: false);

        var check = await Ops.StopStrays("pve1", [100, 101], RecordOf);

        Assert.Equal([(100, "stopped: its record is on pve2"), (101, "stopped: its record is on no node")], check.Done);
        Assert.Empty(check.Undecided);
        Assert.Equal(VmRunState.Stopped, await State(100));
        Assert.Equal(VmRunState.Stopped, await State(101));
    }

    [Fact]
    public async Task A_record_still_locked_by_a_workflow_leaves_the_vm_undecided()
    {
        await Incoming(100);
        _records[100] = new VmOwnership("pve2", Locked: true);

        var check = await Ops.StopStrays("pve1", [100], RecordOf);

        Assert.Empty(check.Done);
        Assert.Equal([100], check.Undecided);
        Assert.Equal(VmRunState.InMigrate, await State(100));
    }

    [Fact]
    public async Task Vms_of_this_node_running_ones_without_a_record_and_unanswered_records_are_left_alone()
    {
        await Incoming(100);
        await Driver.Hypervisor.StartAsync(Spec(101));
        await Driver.Hypervisor.StartAsync(Spec(102));
        await Driver.Hypervisor.PauseAsync(102);
        await Driver.Hypervisor.StartAsync(Spec(104));
        _records[100] = new VmOwnership("pve1", Locked: false);
        _records[101] = new VmOwnership("pve1", Locked: false);
        _records[102] = new VmOwnership("pve1", Locked: false);
        _records[104] = new VmOwnership(null, Locked: false);

        var check = await Ops.StopStrays("pve1", [100, 101, 102, 104], RecordOf);
        Assert.Empty(check.Done);
        Assert.Empty(check.Undecided);
        Assert.Equal(VmRunState.InMigrate, await State(100));
        Assert.Equal(VmRunState.Running, await State(101));
        Assert.Equal(VmRunState.Paused, await State(102));
        Assert.Equal(VmRunState.Running, await State(104));

        await Incoming(103);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Ops.StopStrays("pve1", [103], RecordOf));
        Assert.Equal(VmRunState.InMigrate, await State(103));
    }

    [Fact]
    public async Task A_running_vm_whose_unlocked_record_was_recovered_elsewhere_is_stopped_and_a_locked_one_is_undecided()
    {
        await Driver.Hypervisor.StartAsync(Spec(101));
        await Driver.Hypervisor.StartAsync(Spec(102));
        _records[101] = new VmOwnership("pve2", Locked: false);
        _records[102] = new VmOwnership("pve2", Locked: true);

        var check = await Ops.StopStrays("pve1", [101, 102], RecordOf);

        Assert.Equal([(101, "stopped: it ran here while its record is on pve2")], check.Done);
        Assert.Equal([102], check.Undecided);
        Assert.Equal(VmRunState.Stopped, await State(101));
        Assert.Equal(VmRunState.Running, await State(102));
    }

    [Fact]
    public async Task A_migrated_away_source_whose_unlocked_record_stayed_here_is_resumed()
    {
        var target = await Env.Node("pve2").Hypervisor.StartAsync(Spec(100, tag: "t", incoming: new IncomingSpec("127.0.0.1", [])));
        await Driver.Hypervisor.StartAsync(Spec(100));
        await Driver.Hypervisor.StartMigrationAsync(100, new MigrationStartSpec(target.IncomingUri!, null));
        Env.Clock.AdvanceSeconds(100);
        Assert.Equal(VmRunState.PostMigrate, await State(100));

        _records[100] = new VmOwnership("pve1", Locked: true); // the workflow may still resume it itself
        Assert.Equal([100], (await Ops.StopStrays("pve1", [100], RecordOf)).Undecided);
        Assert.Equal(VmRunState.PostMigrate, await State(100));

        _records[100] = new VmOwnership("pve1", Locked: false);
        Assert.Equal([(100, "resumed")], (await Ops.StopStrays("pve1", [100], RecordOf)).Done);
        Assert.Equal(VmRunState.Running, await State(100));
    }
}
