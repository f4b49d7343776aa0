using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

public class VmCommandTests
{
    private const string CreateUpid = "UPID:pve1:00001234:00ABCDEF:66F1C2D3:qmcreate:120:root@pam!admin:";

    [Fact]
    public async Task Create_posts_a_form_and_prints_the_task_log()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("POST", "nodes/pve1/qemu", Reply.Data($"\"{CreateUpid}\""));
        new FakeTask(CreateUpid, ["create VM 120", "TASK OK"], "OK").Register(pve);

        var r = await Run(pve, "vm", "create", "pve1", "120", "--name", "web 2", "--memory", "2048", "--cores", "2",
            "--scsi0", "local:4", "--net0", "virtio,bridge=vmbr0", "--start", "--param", "ostype=l26", "--param", "description=a=b");

        Assert.Equal(0, r.Code);
        var post = Assert.Single(pve.Sent("POST", "nodes/pve1/qemu"));
        Assert.Equal("application/x-www-form-urlencoded", post.ContentType);
        Assert.Equal(AuthHeader, post.Authorization);
        Assert.Equal(new Dictionary<string, string>
        {
            ["vmid"] = "120", ["name"] = "web 2", ["memory"] = "2048", ["cores"] = "2", ["scsi0"] = "local:4",
            ["net0"] = "virtio,bridge=vmbr0", ["start"] = "1", ["ostype"] = "l26", ["description"] = "a=b",
        }, post.Form);
        Assert.Contains("create VM 120\nTASK OK", r.Output.Replace("\r", ""));
    }

    [Fact]
    public async Task Create_without_start_sends_no_start_and_no_wait_prints_only_the_upid()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("POST", "nodes/pve1/qemu", Reply.Data($"\"{CreateUpid}\""));

        var r = await Run(pve, "vm", "create", "pve1", "120", "--no-wait");

        Assert.Equal((0, CreateUpid), (r.Code, r.Output.Trim()));
        var post = Assert.Single(pve.Requests);
        Assert.Equal(["vmid"], post.Form.Keys);
    }

    [Fact]
    public async Task Set_puts_pairs_and_deletes()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("PUT", "nodes/pve1/qemu/100/config", Reply.Data("null"));

        var r = await Run(pve, "vm", "set", "100", "memory=4096", "net0=virtio,bridge=vmbr1", "--delete", "vmgenid,description", "--delete", "tags");

        Assert.Equal(0, r.Code);
        var put = Assert.Single(pve.Sent("PUT", "nodes/pve1/qemu/100/config"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["memory"] = "4096", ["net0"] = "virtio,bridge=vmbr1", ["delete"] = "vmgenid,description,tags",
        }, put.Form);
        Assert.Contains("VM 100: configuration updated", r.Output);
    }

    [Fact]
    public async Task Set_with_nothing_to_change_is_a_usage_error()
    {
        await using var pve = await FakePve.StartAsync();

        var r = await Run(pve, "vm", "set", "100");

        Assert.Equal(2, r.Code);
        Assert.Empty(pve.Requests);
    }

    [Theory]
    [InlineData("start", "qmstart")]
    [InlineData("stop", "qmstop")]
    public async Task Start_and_stop_wait_for_the_task(string action, string type)
    {
        var upid = $"UPID:pve1:00001234:00ABCDEF:66F1C2D3:{type}:100:root@pam!admin:";
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", $"nodes/pve1/qemu/100/status/{action}", Reply.Data($"\"{upid}\""));
        var task = new FakeTask(upid, ["TASK ERROR: VM is locked (backup)"], "VM is locked (backup)").Register(pve);

        var r = await Run(pve, "vm", action, "100");

        Assert.Equal(1, r.Code);
        Assert.True(task.StatusPolls >= 1);
        Assert.Contains("VM is locked (backup)", r.Output);
        Assert.Contains("failed", r.Output);
    }
}
