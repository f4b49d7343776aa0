using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Vms;
using ActorMigration.Domain.Vms;
using Akka.Actor;
using Akka.Configuration;

namespace ActorMigration.Actors.Tests.ReadModel;

/// <summary>
/// The read model on the embedded SQLite journal: entities of this member push their tagged events, the slow tag
/// poll brings everything else (other members, pushes that could not be applied), and nothing is applied twice
/// or out of order.
/// </summary>
public sealed class ClusterReadModelActorTests() : Akka.TestKit.Xunit2.TestKit(
    MemberConfig(Path.Combine(Directory.CreateTempSubdirectory("am-readmodel-").FullName, "journal.db")))
{
    private const string Config = "memory: 512\nname: web\n";

    private string DbFile => Sys.Settings.Config.GetString("akka.persistence.journal.sql.connection-string")["Data Source=".Length..];

    private static Config MemberConfig(string file) => SqliteMember.Config(file);

    protected override void AfterAll()
    {
        var dir = Path.GetDirectoryName(DbFile)!;
        base.AfterAll();
        Directory.Delete(dir, true);
    }

    private IActorRef StartReadModel() => Sys.ActorOf(ClusterReadModelActor.Props(CreateTestProbe().Ref));

    private static async Task<VmEntry?> Vm(IActorRef model, int vmid) =>
        (await model.Ask<VmList>(new ListVms())).Vms.SingleOrDefault(v => v.VmId == vmid);

    [Fact]
    public async Task A_push_is_applied_only_as_the_direct_successor_of_what_the_model_holds()
    {
        var model = StartReadModel();
        // Nothing of vm-900 is in the journal: whatever the model shows came by push.
        model.Tell(new TaggedEventPersisted("vm-900", 1, 0, new VmCreated(900, "node1", Config)));
        Assert.Equal("node1", (await Vm(model, 900))?.Node);

        model.Tell(new TaggedEventPersisted("vm-900", 3, 2, new VmLocked(900, "backup", "t-2")));
        Assert.Null((await Vm(model, 900))!.Lock); // seq 2 is missing: left to the poll

        model.Tell(new TaggedEventPersisted("vm-900", 2, 1, new VmLocked(900, "migrate", "t-1")));
        Assert.Equal("migrate", (await Vm(model, 900))!.Lock);

        model.Tell(new TaggedEventPersisted("vm-900", 2, 1, new VmUnlocked(900, "t-1"))); // a repeat
        Assert.Equal("migrate", (await Vm(model, 900))!.Lock);

        model.Tell(new TaggedEventPersisted("vm-900", 4, -1, new VmUnlocked(900, "t-1"))); // predecessor unknown
        Assert.Equal("migrate", (await Vm(model, 900))!.Lock);
    }

    [Fact]
    public async Task A_vm_actor_on_this_member_is_visible_as_soon_as_it_replies()
    {
        var model = StartReadModel();
        var vm = Sys.ActorOf(VirtualMachineActor.Props("901"));
        // The actor publishes before it replies, so the model has the event before the reply arrives here.
        Assert.True((await vm.Ask<VmReply>(new CreateVm(901, "node1", Config))).Ok);
        Assert.Equal("node1", (await Vm(model, 901))?.Node);
        Assert.True((await vm.Ask<VmReply>(new AcquireVmLock(901, "migrate", "t-1"))).Ok);
        Assert.Equal("migrate", (await Vm(model, 901))!.Lock);
        Assert.True((await vm.Ask<VmReply>(new ReleaseVmLock(901, "t-1"))).Ok);
        Assert.Null((await Vm(model, 901))!.Lock);

        // The tag poll brings the same three events later; the model skips them and stays where it is.
        await AwaitAssertAsync(async () =>
            Assert.True((await model.Ask<ReadModelStatus>(new GetReadModelStatus())).Offset >= 3), TimeSpan.FromSeconds(10));
        var entry = await Vm(model, 901);
        Assert.Equal("node1", entry!.Node);
        Assert.Null(entry.Lock);
        Assert.DoesNotContain("lock:", entry.ConfigText);
    }

    [Fact]
    public async Task Events_of_another_member_arrive_by_the_poll_and_an_entity_that_moved_here_continues_in_order()
    {
        var model = StartReadModel();
        // "Another member": a second actor system on the same journal; its events never reach this event stream.
        var other = ActorSystem.Create("other", MemberConfig(DbFile));
        try
        {
            var there = other.ActorOf(VirtualMachineActor.Props("902"));
            Assert.True((await there.Ask<VmReply>(new CreateVm(902, "node3", Config))).Ok);
            await there.GracefulStop(TimeSpan.FromSeconds(3));
        }
        finally
        {
            await other.Terminate();
        }

        // The entity now runs here and pushes seq 2 at once, possibly before the poll brought seq 1.
        var here = Sys.ActorOf(VirtualMachineActor.Props("902"));
        Assert.True((await here.Ask<VmReply>(new AcquireVmLock(902, "migrate", "t-9"))).Ok);

        await AwaitAssertAsync(async () =>
        {
            var entry = await Vm(model, 902);
            Assert.NotNull(entry);
            Assert.Equal("node3", entry!.Node);
            Assert.Equal("migrate", entry.Lock);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
    }
}
