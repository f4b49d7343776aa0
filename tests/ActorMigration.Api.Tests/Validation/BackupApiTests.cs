using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>vzdump of a running VM (simulated driver), compression, and restore applying the options sent with the archive.</summary>
[Collection(ValidationCollection.Name)]
public sealed class BackupApiTests(ValidationFixture f)
{
    private PveClient C => f.Client;
    private WireClient W => f.Api;

    private async Task<IReadOnlyList<string>> Ok(Task<PveClient.Response> call)
    {
        var upid = await C.Upid(call);
        var status = await C.Wait(upid);
        var log = await C.Log(upid);
        Assert.True(status == "OK", $"{status}\n{string.Join('\n', log)}");
        return log;
    }

    [Fact]
    public async Task A_running_vm_is_backed_up_in_snapshot_mode_with_zstd_and_restored_with_the_options_sent()
    {
        var vm = await f.ScratchVm(("name", "src"), ("cores", "2"), ("scsi0", "local:1"), ("net0", "virtio,bridge=vmbr0"));
        await Ok(C.Post($"/nodes/node1/qemu/{vm}/status/start"));
        try
        {
            var log = await Ok(C.Post("/nodes/node1/vzdump", ("vmid", vm.ToString()), ("storage", "local"), ("mode", "snapshot"), ("compress", "zstd")));
            Assert.Contains($"INFO: starting new backup job: vzdump {vm} --storage local --mode snapshot --compress zstd", log);
            Assert.Contains("INFO: status = running", log);
            Assert.Contains("INFO: backup mode: snapshot", log);
            var archive = log.Single(l => l.StartsWith("INFO: creating vzdump archive '", StringComparison.Ordinal)).Split('\'')[1];
            Assert.Matches($@"^local:backup/vzdump-qemu-{vm}-\d{{4}}_\d\d_\d\d-\d\d_\d\d_\d\d\.tar\.zst$", archive);
            Assert.Equal("running", (await C.Get($"/nodes/node1/qemu/{vm}/status/current")).Data!["status"]!.ToString());

            var restored = f.NextVmId();
            await Ok(C.Post("/nodes/node1/qemu", ("vmid", restored.ToString()), ("archive", archive), ("name", "copy"), ("memory", "768"),
                ("cores", "3")));
            var cfg = (await C.Get($"/nodes/node1/qemu/{restored}/config")).Data!;
            Assert.Equal(("copy", "768", "3"), (cfg["name"]!.ToString(), cfg["memory"]!.ToString(), cfg["cores"]!.ToString()));
            Assert.StartsWith($"local:{restored}/vm-{restored}-disk-0.qcow2", cfg["scsi0"]!.ToString());
            Assert.StartsWith("virtio=", cfg["net0"]!.ToString());
        }
        finally
        {
            await Ok(C.Post($"/nodes/node1/qemu/{vm}/status/stop"));
        }
    }

    [Fact]
    public async Task Suspend_and_stop_modes_leave_a_running_vm_running()
    {
        var vm = await f.ScratchVm(("scsi0", "local:1"));
        await Ok(C.Post($"/nodes/node1/qemu/{vm}/status/start"));
        try
        {
            foreach (var mode in new[] { "suspend", "stop" })
            {
                var log = await Ok(C.Post("/nodes/node1/vzdump", ("vmid", vm.ToString()), ("storage", "local"), ("mode", mode), ("compress", "gzip")));
                Assert.Contains($"INFO: backup mode: {mode}", log);
                Assert.Contains(log, l => l.EndsWith(".tar.gz' written", StringComparison.Ordinal));
                Assert.Equal("running", (await C.Get($"/nodes/node1/qemu/{vm}/status/current")).Data!["status"]!.ToString());
            }
        }
        finally
        {
            await Ok(C.Post($"/nodes/node1/qemu/{vm}/status/stop"));
        }
    }

    [Theory]
    [InlineData("lzo", "lzo is not supported here - use zstd or gzip")]
    [InlineData("1", "lzo is not supported here - use zstd or gzip")]
    [InlineData("bz2", "value 'bz2' does not have a value in the enumeration '0, 1, gzip, lzo, zstd'")]
    public async Task A_compression_not_made_here_is_refused_and_nothing_changes(string compress, string error)
    {
        var r = await f.Unchanged(() => W.Post("/nodes/node1/vzdump", ("vmid", ValidationFixture.Vm.ToString()), ("storage", "local"),
            ("compress", compress)));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Expect.ParamError(r, "compress", error);
    }

    [Fact]
    public async Task A_bad_mode_is_refused_and_nothing_changes()
    {
        var r = await f.Unchanged(() => W.Post("/nodes/node1/vzdump", ("vmid", ValidationFixture.Vm.ToString()), ("storage", "local"),
            ("mode", "live")));
        Expect.ParamError(r, "mode", "value 'live' does not have a value in the enumeration 'snapshot, suspend, stop'");
    }

    [Theory]
    [InlineData("scsi1", "local:1")]
    [InlineData("efidisk0", "local:1")]
    [InlineData("unused0", "local:100/vm-100-disk-9.qcow2")]
    public async Task A_disk_option_sent_with_an_archive_is_refused_and_nothing_changes(string key, string value)
    {
        var vmid = f.NextVmId();
        var r = await f.Unchanged(() => W.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()),
            ("archive", "local:backup/vzdump-qemu-100-2026_01_01-00_00_00.tar.zst"), ("name", "x"), (key, value)));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Expect.ParamError(r, key, "option conflicts with option 'archive'");
    }
}
