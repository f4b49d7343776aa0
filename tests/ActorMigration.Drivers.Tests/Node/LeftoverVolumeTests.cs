using ActorMigration.Drivers.Node;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>Volumes on node pve1's local storage checked against their VMs' records when the node starts.</summary>
public sealed class LeftoverVolumeTests : NodeOperationsTest
{
    private readonly Dictionary<int, VmOwnership> _records = new();

    private Task<VmOwnership> RecordOf(int vmid) => Task.FromResult(_records.GetValueOrDefault(vmid, new VmOwnership(null, false)));

    private async Task<string> Volume(int vmid, string storage = "local")
    {
        var volid = $"{storage}:{vmid}/vm-{vmid}-disk-0.raw";
        await Driver.Storage.CreateAsync(volid, "raw", 1024 * 1024);
        return volid;
    }

    private async Task<List<string>> Left(string storage = "local") => (await Driver.Storage.ListAsync(storage)).Select(v => v.VolId).ToList();

    [Fact]
    public async Task Only_volumes_of_a_vm_whose_unlocked_record_is_on_another_node_are_removed()
    {
        var moved = await Volume(100);    // record on pve2, unlocked: left by a migration
        var migrating = await Volume(101); // record on pve2, locked: a workflow may still move the VM here
        var own = await Volume(102);       // record here
        var unknown = await Volume(103);   // no record: not ours to judge
        var shared = await Volume(100, "shared");
        _records[100] = new VmOwnership("pve2", false);
        _records[101] = new VmOwnership("pve2", true);
        _records[102] = new VmOwnership("pve1", false);

        var check = await Ops.RemoveLeftoverVolumes("pve1", ["local"], RecordOf);

        Assert.Equal([(100, moved)], check.Done);
        Assert.Equal([101], check.Undecided);
        Assert.Equal([migrating, own, unknown], (await Left()).Order());
        Assert.Equal([shared], await Left("shared"));
    }
}
