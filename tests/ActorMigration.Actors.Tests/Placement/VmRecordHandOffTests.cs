using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Vms;
using ActorMigration.Domain.Vms;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Placement;

/// <summary>A VM record moved to another member (shard handoff) never drops the reply of a write in progress.</summary>
public sealed class VmRecordHandOffTests : PersistenceTest
{
    [Fact]
    public async Task A_handoff_during_a_write_stops_the_record_only_after_its_reply()
    {
        var vm = Sys.ActorOf(VirtualMachineActor.Props("300"));
        Assert.True((await vm.Ask<VmReply>(new CreateVm(300, "node1", "memory: 512\n"))).Ok);
        Watch(vm);

        await Journal.OnWrite.PassWithDelay(TimeSpan.FromMilliseconds(500));
        var locking = vm.Ask<VmReply>(new AcquireVmLock(300, "migrate", "task-1"), TimeSpan.FromSeconds(5));
        vm.Tell(VmRecordHandOff.Instance);

        var reply = await locking;
        Assert.True(reply.Ok);
        Assert.Equal("migrate", reply.Vm!.Lock);
        ExpectTerminated(vm);
        await Journal.OnWrite.Pass();
    }

    [Fact]
    public void The_owner_view_says_where_a_vm_is_and_whether_it_is_locked()
    {
        var view = VmOwnerView.Get(Sys);
        var vm = VmState.Empty(301) with { Exists = true, Node = "node2", ConfigText = "memory: 512\n" };
        view.Apply(vm);
        Assert.Equal(new VmOwner("node2", false), view.Of(301));
        view.Apply(vm with { LockOwner = "task-1", ConfigText = "lock: migrate\nmemory: 512\n" });
        Assert.Equal(new VmOwner("node2", true), view.Of(301));
        view.Apply(VmState.Empty(301));
        Assert.Null(view.Of(301));
    }
}
