using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>drive-mirror to local files: full clone of a running VM (cancel) and disk move (pivot).</summary>
public sealed class MirrorTests(ITestOutputHelper output)
{
    private static async Task WaitReadyAsync(QemuHypervisorDriver hv, int vmid, string drive)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = (await hv.QueryBlockJobsAsync(vmid)).Single(j => j.Device == drive);
            if (job.Ready) return;
            Assert.True(DateTime.UtcNow < deadline, $"mirror not ready: {job}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Mirror_to_a_local_volume_clones_with_cancel_and_moves_with_pivot()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var node = env.AddNode("mirror1");
        var hv = node.Qemu;
        var src = await node.Storage.CreateAsync("local:220/vm-220-disk-0.qcow2", "qcow2", 32L << 20);
        await hv.StartAsync(Specs.Guest(220, "m", [Specs.Disk("virtio0", src.Path, "qcow2", src.VirtualSize)]));
        await GuestConsole.WaitForLineAsync(hv, 220, "disk mounted /dev/vda");
        await GuestConsole.RunAsync(hv, 220, "echo first > /mnt/disk/f; sync");

        // Full clone of the running VM: mirror into a new volume (given as volid), then cancel = keep the source.
        const string cloneVol = "local:221/vm-221-disk-0.qcow2";
        await node.Storage.CreateAsync(cloneVol, "qcow2", src.VirtualSize);
        await hv.StartMirrorAsync(220, "virtio0", new MirrorTarget(cloneVol, "qcow2"));
        await WaitReadyAsync(hv, 220, "virtio0");
        await hv.FinishMirrorAsync(220, "virtio0", pivot: false);
        Assert.Empty(await hv.QueryBlockJobsAsync(220));
        var (rc, text) = await Images.CompareAsync(src.Path, node.Storage.PathOf(cloneVol));
        Assert.True(rc == 0, text);

        // Move: mirror into a new file by path, pivot; later guest writes land there only.
        var moved = Path.Combine(env.Root, "storage", "mirror1", "images", "220", "vm-220-disk-1.qcow2");
        await hv.StartMirrorAsync(220, "virtio0", new MirrorTarget(moved, "qcow2"));
        await WaitReadyAsync(hv, 220, "virtio0");
        await hv.FinishMirrorAsync(220, "virtio0", pivot: true);
        var block = (JsonArray)(await (await hv.GetQmpAsync(220)).ExecuteAsync("query-block"))!;
        var file = block.Select(b => b!["inserted"]?["file"]?.ToString()).Single(f => f is not null);
        Assert.Equal(moved, file);

        await GuestConsole.RunAsync(hv, 220, "echo second > /mnt/disk/s; sync");
        Assert.Equal(["first", "second"], await GuestConsole.RunAsync(hv, 220, "cat /mnt/disk/f /mnt/disk/s"));
        await hv.StopAsync(220);
        Assert.Equal(0, (await Images.CompareAsync(src.Path, node.Storage.PathOf(cloneVol))).ExitCode);
        Assert.NotEqual(0, (await Images.CompareAsync(src.Path, moved)).ExitCode);
    }
}
