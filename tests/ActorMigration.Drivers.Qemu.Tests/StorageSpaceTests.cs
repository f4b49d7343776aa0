using System.Diagnostics;
using ActorMigration.Drivers.Node;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>/nodes/{node}/storage on the QEMU driver: the storage's real statvfs, its real qcow2 listed, the host's /proc status.</summary>
public sealed class StorageSpaceTests(ITestOutputHelper output)
{
    private static async Task<long[]> Df(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("df", ["-B1", "--output=size,used,avail", path]) { RedirectStandardOutput = true })!;
        var text = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return text.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
    }

    [Fact]
    public async Task A_storage_reports_its_directorys_statvfs_and_lists_a_real_qcow2_with_its_change_time()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var node = env.AddNode("space1");
        var ops = new NodeOperations(node);
        const string volid = "local:170/vm-170-disk-0.qcow2";
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 2;
        await node.Storage.CreateAsync(volid, "qcow2", 32L << 20);

        var space = Assert.Single(await ops.StorageSpaces(["local", "nosuch"], default), s => s.Storage == "local");
        var df = await Df(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(node.Storage.PathOf(volid))))!);
        Assert.True(space.Active);
        Assert.Equal(df[0], space.Total);
        // Other processes write to the same file system meanwhile: used and avail agree within 256 MiB.
        Assert.InRange(space.Used, df[1] - (256L << 20), df[1] + (256L << 20));
        Assert.InRange(space.Avail, df[2] - (256L << 20), df[2] + (256L << 20));
        Assert.False((await ops.StorageSpaces(["nosuch"], default)).Single().Active);

        var listed = Assert.Single(await ops.StorageContent("local", 170), v => v.Volume.VolId == volid);
        Assert.Equal(("qcow2", 32L << 20), (listed.Volume.Format, listed.Volume.VirtualSize));
        Assert.InRange(listed.CTime, before, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        var status = await node.GetStatusAsync();
        var uptime = (long)double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(status.Uptime, uptime - 5, uptime + 1);
        Assert.Equal(3, status.LoadAvg.Count);
        var memLine = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:"));
        var memTotal = long.Parse(memLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        Assert.Equal(memTotal, status.Memory.Total);
        Assert.InRange(status.Memory.Used, 1, memTotal);
        Assert.InRange(status.Cpu, 0, 1);
        Assert.Equal((await Df("/"))[0], status.RootFs.Total);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), status.Kernel.Release);
    }
}
