using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Vms;
using ActorMigration.Domain.Vms;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.ReadModel;

/// <summary>
/// Records corrupted directly in the SQLite journal: a valid payload whose config text does not parse, and a payload
/// that does not decode at all. The read model and the VM records keep serving, show the damage, and the damaged
/// VMs can be repaired and destroyed.
/// </summary>
public sealed class CorruptRecordTests() : Akka.TestKit.Xunit2.TestKit(
    SqliteMember.Config(Path.Combine(Directory.CreateTempSubdirectory("am-corrupt-").FullName, "journal.db")))
{
    // Generous: the first write creates the journal tables, and other test classes run beside this one.
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);
    private const string Good = "memory: 512\nname: web\n";
    // What PUT cpulimit=\n5 used to persist.
    private const string Damaged = "cores: 2\ncpulimit: \n5\nmemory: 512\nname: web\n";

    private string DbFile => Sys.Settings.Config.GetString("akka.persistence.journal.sql.connection-string")["Data Source=".Length..];

    protected override void AfterAll()
    {
        var dir = Path.GetDirectoryName(DbFile)!;
        base.AfterAll();
        Directory.Delete(dir, true);
    }

    private static async Task<VmReply> Ok(IActorRef vm, IVmCommand c)
    {
        var r = await vm.Ask<VmReply>(c, AskTimeout);
        Assert.True(r.Ok, r.Error);
        return r;
    }

    private async Task<IReadOnlyList<VmEntry>> CaughtUp(IActorRef model, int count)
    {
        IReadOnlyList<VmEntry> vms = [];
        await AwaitAssertAsync(async () =>
        {
            Assert.True((await model.Ask<ReadModelStatus>(new GetReadModelStatus(), AskTimeout)).CaughtUp);
            vms = (await model.Ask<VmList>(new ListVms(), AskTimeout)).Vms;
            Assert.Equal(count, vms.Count);
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        return vms;
    }

    [Fact]
    public async Task Listings_keep_serving_show_the_damage_and_the_damaged_vms_can_be_repaired_and_destroyed()
    {
        // Three records, each created (seq 1) and edited (seq 2, vm.config).
        foreach (var id in new[] { 910, 911, 912 })
        {
            var vm = Sys.ActorOf(VirtualMachineActor.Props(id.ToString()));
            await Ok(vm, new CreateVm(id, "node1", Good));
            await Ok(vm, new EditVmConfig(id, "node1", new Dictionary<string, string> { ["cores"] = "2" }, []));
            await vm.GracefulStop(TimeSpan.FromSeconds(10));
        }
        Assert.Equal("vm.config", JournalRows.Manifest(DbFile, "vm-912", 2));
        var serializer = new ActorMigrationSerializer((ExtendedActorSystem)Sys);
        JournalRows.OverwritePayload(DbFile, "vm-911", 2, serializer.ToBinary(new VmConfigReplaced(911, Damaged)));
        JournalRows.OverwritePayload(DbFile, "vm-912", 2, "\u0000{\"vmId\": not json"u8.ToArray());

        var model = Sys.ActorOf(ClusterReadModelActor.Props(CreateTestProbe().Ref));
        var listed = await CaughtUp(model, 3);
        Assert.Null(listed.Single(v => v.VmId == 910).Error);
        var bad = listed.Single(v => v.VmId == 911);
        Assert.Equal("node1", bad.Node);
        Assert.Equal(Damaged, bad.ConfigText);
        Assert.Equal("vm config - unable to parse line 3: 5", bad.Error);
        var unreadable = listed.Single(v => v.VmId == 912);
        Assert.Equal("node1", unreadable.Node);
        Assert.Equal("record event 2 (vm.config) is unreadable; the VM's state after it is unknown", unreadable.Error);
        Assert.Equal(Good, unreadable.ConfigText); // the state before the unreadable event

        // The records recover and answer with the same errors instead of crash-looping.
        var vm911 = Sys.ActorOf(VirtualMachineActor.Props("911"));
        var vm912 = Sys.ActorOf(VirtualMachineActor.Props("912"));
        Assert.Equal(bad.Error, (await Ok(vm911, new GetVm(911))).Vm!.Error);
        Assert.Equal(unreadable.Error, (await Ok(vm912, new GetVm(912))).Vm!.Error);

        // Repair by deleting the broken key; destroy the unreadable one.
        var repaired = (await Ok(vm911, new EditVmConfig(911, "node1", new Dictionary<string, string>(), ["cpulimit"]))).Vm!;
        Assert.Null(repaired.Error);
        Assert.Equal("cores: 2\nmemory: 512\nname: web\n", repaired.ConfigText);
        Assert.False((await Ok(vm912, new DestroyVm(912, "node1"))).Vm!.Exists);

        // The model follows (by push), and a model built anew from the journal agrees.
        foreach (var m in new[] { model, Sys.ActorOf(ClusterReadModelActor.Props(CreateTestProbe().Ref)) })
        {
            await AwaitAssertAsync(async () =>
            {
                var vms = (await m.Ask<VmList>(new ListVms(), AskTimeout)).Vms;
                Assert.Equal([910, 911], vms.Select(v => v.VmId));
                Assert.All(vms, v => Assert.Null(v.Error));
                Assert.Equal(repaired.ConfigText, vms.Single(v => v.VmId == 911).ConfigText);
            }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public async Task A_new_record_is_still_listed_after_an_unreadable_one()
    {
        var first = Sys.ActorOf(VirtualMachineActor.Props("920"));
        await Ok(first, new CreateVm(920, "node2", Good));
        await first.GracefulStop(TimeSpan.FromSeconds(10));
        JournalRows.OverwritePayload(DbFile, "vm-920", 1, [0xff, 0xfe, 0x00]);

        var model = Sys.ActorOf(ClusterReadModelActor.Props(CreateTestProbe().Ref));
        await AwaitAssertAsync(async () =>
            Assert.True((await model.Ask<ReadModelStatus>(new GetReadModelStatus(), AskTimeout)).CaughtUp), TimeSpan.FromSeconds(15));
        var second = Sys.ActorOf(VirtualMachineActor.Props("921"));
        await Ok(second, new CreateVm(921, "node2", Good));

        await AwaitAssertAsync(async () =>
        {
            var vms = (await model.Ask<VmList>(new ListVms(), AskTimeout)).Vms;
            // The unreadable create: the record exists, its node is unknown.
            var lost = vms.Single(v => v.VmId == 920);
            Assert.Null(lost.Node);
            Assert.StartsWith("record event 1 (vm.created) is unreadable", lost.Error);
            Assert.Equal("node2", vms.Single(v => v.VmId == 921).Node);
            Assert.Equal([921], (await model.Ask<VmList>(new ListVms("node2"), AskTimeout)).Vms.Select(v => v.VmId));
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
    }
}
