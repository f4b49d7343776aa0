using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Vms;
using ActorMigration.Domain.Vms;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Vms;

public sealed class VirtualMachineActorTests : PersistenceTest
{
    private const string Config = "memory: 512\nname: web\n";

    [Fact]
    public async Task A_created_vm_survives_a_restart_of_its_actor()
    {
        var vm = Sys.ActorOf(VirtualMachineActor.Props("100"));
        var created = await vm.Ask<VmReply>(new CreateVm(100, "node1", Config));
        Assert.True(created.Ok);
        await vm.Ask<VmReply>(new AcquireVmLock(100, "migrate", "task-1"));
        await vm.GracefulStop(TimeSpan.FromSeconds(3));

        var again = Sys.ActorOf(VirtualMachineActor.Props("100"));
        var state = (await again.Ask<VmReply>(new GetVm(100))).Vm!;
        Assert.True(state.Exists);
        Assert.Equal("node1", state.Node);
        Assert.Equal("migrate", state.Lock);
        Assert.Equal("task-1", state.LockOwner);
        Assert.Contains("lock: migrate", state.ConfigText);
    }

    [Fact]
    public async Task Nothing_changes_when_the_journal_refuses_the_write()
    {
        var vm = Sys.ActorOf(VirtualMachineActor.Props("101"));
        Assert.True((await vm.Ask<VmReply>(new CreateVm(101, "node1", Config))).Ok);

        await WithFailingWrites(async () =>
        {
            Watch(vm);
            vm.Tell(new MoveVmOwner(101, "node1", "node2", Config, "nobody"), TestActor);
            // Not locked by "nobody": refused without touching the journal.
            Assert.False(ExpectMsg<VmReply>().Ok);
            vm.Tell(new AcquireVmLock(101, "migrate", "task-2"), TestActor);
            ExpectTerminated(vm);
            await Task.CompletedTask;
        });

        var again = Sys.ActorOf(VirtualMachineActor.Props("101"));
        var state = (await again.Ask<VmReply>(new GetVm(101))).Vm!;
        Assert.Null(state.Lock);
        Assert.Equal("node1", state.Node);
    }

    [Fact]
    public async Task The_point_of_no_return_is_one_event_and_idempotent()
    {
        var vm = Sys.ActorOf(VirtualMachineActor.Props("102"));
        await vm.Ask<VmReply>(new CreateVm(102, "node1", Config));
        await vm.Ask<VmReply>(new AcquireVmLock(102, "migrate", "task-3"));
        var moved = await vm.Ask<VmReply>(new MoveVmOwner(102, "node1", "node2", Config, "task-3"));
        Assert.Equal("node2", moved.Vm!.Node);
        var again = await vm.Ask<VmReply>(new MoveVmOwner(102, "node1", "node2", Config, "task-3"));
        Assert.True(again.Ok);
        Assert.Equal("node2", again.Vm!.Node);
        var other = await vm.Ask<VmReply>(new AcquireVmLock(102, "clone", "task-4"));
        Assert.Equal("VM is locked (migrate)", other.Error);
    }
}
