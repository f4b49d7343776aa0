using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Drivers.Tests.Simulated;

public class SimulationOptionsTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Bridges_are_vmbr0_and_the_listed_ones()
    {
        var o = SimulationOptionsParser.FromDictionary(new Dictionary<string, string> { ["bridges"] = "vmbr1, vmbr2" });
        Assert.NotNull(o.Bridge("vmbr0"));
        Assert.True(o.Bridge("vmbr2")!.VlanAware);
        Assert.Null(o.Bridge("vmbr9"));
        Assert.Null(new SimulationOptions().Bridge("vmbr1"));
    }

    [Fact]
    public void Dictionary_form_with_sizes_links_and_faults()
    {
        var o = SimulationOptionsParser.FromDictionary(new Dictionary<string, string>
        {
            ["speed-factor"] = "10",
            ["link-bandwidth"] = "125000000",
            ["link.pve1.pve2"] = "50M",
            ["disk_bandwidth"] = "1G",
            ["DirtyRate"] = "64M",
            ["working-set"] = "1.5G",
            ["instant-copy"] = "true",
            ["faults"] = "stop-and-copy@100*1, mirror",
            ["fault.a.phase"] = "precopy-iterations",
            ["fault.a.iteration"] = "3",
            ["fault.a.node"] = "pve1",
            ["fault-state-file"] = "/tmp/x.json"
        });
        Assert.Equal(10, o.SpeedFactor);
        Assert.Equal(125_000_000, o.LinkBandwidth("pve1", "pve3"));
        Assert.Equal(50 * MiB, o.LinkBandwidth("pve2", "pve1"));
        Assert.Equal(1024 * MiB, o.DiskBandwidthBytesPerSec);
        Assert.Equal(64 * MiB, o.DirtyRateBytesPerSec);
        Assert.Equal(1536 * MiB, o.WorkingSetBytes);
        Assert.True(o.InstantCopy);
        Assert.Equal("/tmp/x.json", o.FaultStateFile);
        Assert.Equal(
            [new FaultRule("stop-and-copy", 100, 1), new FaultRule("mirror"), new FaultRule("precopy-iterations", Node: "pve1", Iteration: 3)],
            o.Faults);
    }

    [Fact]
    public void Text_file_form()
    {
        var o = SimulationOptionsParser.Parse("""
            # demo
            speed-factor = 2
            dirty-rate: 16M
            fault = copy-disks@105
            """);
        Assert.Equal(2, o.SpeedFactor);
        Assert.Equal(16 * MiB, o.DirtyRateBytesPerSec);
        Assert.Equal([new FaultRule("copy-disks", 105)], o.Faults);
    }

    [Fact]
    public void Json_file_form()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sim-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {
              "speedFactor": 100,
              "checkDiskFiles": false,
              "link": { "pve1": { "pve3": "10M" } },
              "fault": [ { "phase": "start-incoming", "vmid": 100, "times": 2 } ],
              "faults": [ "mirror@7" ]
            }
            """);
        try
        {
            var f = SimulatedNodeDriverFactory.FromFile(path);
            Assert.Equal(100, f.Options.SpeedFactor);
            Assert.False(f.Options.CheckDiskFiles);
            Assert.Equal(10 * MiB, f.Options.LinkBandwidth("pve3", "pve1"));
            // compact rules first, then fault.<id> rules in id order
            Assert.Equal([new FaultRule("mirror", 7), new FaultRule("start-incoming", 100, 2)], f.Options.Faults);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("speed-factr", "1")]
    [InlineData("speed-factor", "fast")]
    [InlineData("speed-factor", "0")]
    [InlineData("faults", "explode")]
    [InlineData("fault.x.vmid", "100")]
    [InlineData("link.pve1", "1G")]
    [InlineData("dirty-rate", "12X")]
    [InlineData("holds", "nope:10")]
    [InlineData("holds", "switchover")]
    [InlineData("holds", "cleanup:-1")]
    public void Bad_input_is_refused(string key, string value) =>
        Assert.ThrowsAny<Exception>(() => SimulationOptionsParser.FromDictionary(new Dictionary<string, string> { [key] = value }));

    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("8K", 8192)]
    [InlineData("1.5M", 1572864)]
    [InlineData("2GiB", 2147483648)]
    [InlineData("1g", 1073741824)]
    public void Byte_sizes(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text));

    [Fact]
    public void Workload_from_vm_args()
    {
        var defaults = new SimulationOptions();
        Assert.Equal(new Workload(64 * MiB, 2048 * MiB), Workload.FromArgs("-cpu host -sim-dirty-rate 64M -sim-working-set 2G", defaults));
        Assert.Equal(new Workload(defaults.DirtyRateBytesPerSec, defaults.WorkingSetBytes), Workload.FromArgs(null, defaults));
        Assert.Throws<FormatException>(() => Workload.FromArgs("-sim-dirty-rate lots", defaults));
    }

    [Fact]
    public void Hold_points_in_compact_form()
    {
        var o = SimulationOptionsParser.FromDictionary(new Dictionary<string, string> { ["holds"] = "switchover:3000, cleanup:10, start:6000" });
        Assert.Equal(new Dictionary<string, int> { ["switchover"] = 3000, ["cleanup"] = 10, ["start"] = 6000 }, o.Holds);
    }
}
