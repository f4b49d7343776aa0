using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

public class CloneTests
{
    // qmclone's UPID carries the SOURCE vmid.
    private const string CloneUpid = "UPID:pve2:00001234:00ABCDEF:66F1C2D3:qmclone:9000:root@pam!admin:";

    [Fact]
    public async Task Clone_posts_to_the_source_node_and_waits()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", "nodes/pve2/qemu/9000/clone", Reply.Data($"\"{CloneUpid}\""));
        new FakeTask(CloneUpid, ["create linked clone of drive scsi0 (local:9000/base-9000-disk-0.qcow2)", "TASK OK"], "OK").Register(pve);

        var r = await Run(pve, "clone", "9000", "123", "--name", "c1", "--full", "no", "--target", "pve1", "--snapname", "s1");

        Assert.Equal(0, r.Code);
        var post = Assert.Single(pve.Sent("POST", "nodes/pve2/qemu/9000/clone"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["newid"] = "123", ["name"] = "c1", ["full"] = "0", ["target"] = "pve1", ["snapname"] = "s1",
        }, post.Form);
        Assert.Contains("create linked clone", r.Output);
    }

    [Fact]
    public async Task Full_clone_with_storage_and_format()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", "nodes/pve1/qemu/100/clone", Reply.Data($"\"{CloneUpid}\""));
        new FakeTask(CloneUpid, ["TASK OK"], "OK").Register(pve);

        var r = await Run(pve, "clone", "100", "124", "--full", "1", "--storage", "local", "--format", "qcow2");

        Assert.Equal(0, r.Code);
        var form = Assert.Single(pve.Sent("POST", "nodes/pve1/qemu/100/clone")).Form;
        Assert.Equal(("1", "local", "qcow2"), (form["full"], form["storage"], form["format"]));
    }

    [Fact]
    public async Task Clone_refusal_is_reported()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", "nodes/pve1/qemu/100/clone", Reply.Fail("parameter 'storage' not allowed for linked clones"));

        var r = await Run(pve, "clone", "100", "124", "--full", "0", "--storage", "local");

        Assert.Equal(1, r.Code);
        Assert.Contains("parameter 'storage' not allowed for linked clones", r.Output);
    }

    [Fact]
    public async Task Template_posts_and_waits()
    {
        const string upid = "UPID:pve1:00001234:00ABCDEF:66F1C2D3:qmtemplate:100:root@pam!admin:";
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", "nodes/pve1/qemu/100/template", Reply.Data($"\"{upid}\""));
        new FakeTask(upid, ["TASK ERROR: you can't convert a VM to template if VM is running"],
            "you can't convert a VM to template if VM is running").Register(pve);

        var r = await Run(pve, "template", "100");

        Assert.Equal(1, r.Code);
        Assert.Empty(Assert.Single(pve.Sent("POST", "nodes/pve1/qemu/100/template")).Form);
        Assert.Contains("you can't convert a VM to template", r.Output);
    }
}
