using ActorMigration.Cli.Tasks;

namespace ActorMigration.Cli.Tests;

public class ParserTests
{
    [Theory]
    [InlineData("migration active, transferred 512.0 MiB of 2.0 GiB VM-state, 1.0 GiB/s", 0.25)]
    [InlineData("2024-09-23 21:34:45 migration active, transferred 1.5 GiB of 2.0 GiB VM-state, 900.0 MiB/s", 0.75)]
    [InlineData("2024-09-23 21:34:45 drive-scsi0: transferred 1.0 GiB of 32.0 GiB (3.12%) in 3s", 1.0 / 32)]
    [InlineData("transferred 0.0 B of 4.0 GiB VM-state, 0.0 B/s", 0.0)]
    [InlineData("transferred 3.0 GiB of 2.0 GiB VM-state, 1.0 GiB/s", 1.0)] // re-sent dirty pages: clamped
    public void Transfer_fraction(string line, double expected) =>
        Assert.Equal(expected, LogLineParser.Fraction(line)!.Value, 6);

    [Theory]
    [InlineData("2024-09-23 21:34:43 starting migration of VM 100 to node 'pve2' (10.0.0.12)")]
    [InlineData("migration status: completed")]
    [InlineData("TASK OK")]
    public void Other_lines_are_not_progress(string line) => Assert.Null(LogLineParser.Fraction(line));

    [Fact]
    public void Transfer_label_speed_and_bytes()
    {
        Assert.True(LogLineParser.TryParseTransfer("migration active, transferred 512.0 MiB of 2.0 GiB VM-state, 1.0 GiB/s", out var vm));
        Assert.Equal(("VM-state", 512d * 1024 * 1024, 2d * 1024 * 1024 * 1024, "1.0 GiB/s"), (vm.Label, vm.Transferred, vm.Total, vm.Speed));

        Assert.True(LogLineParser.TryParseTransfer("12:00:01 drive-scsi0: transferred 1.0 GiB of 32.0 GiB (3.12%) in 3s", out var disk));
        Assert.Equal("drive-scsi0", disk.Label);
        Assert.Null(disk.Speed);
    }

    [Theory]
    [InlineData("1", "B", 1)]
    [InlineData("1.5", "KiB", 1536)]
    [InlineData("2", "MB", 2_000_000)]
    [InlineData("1", "TiB", 1099511627776)]
    public void Sizes(string n, string unit, double bytes) => Assert.Equal(bytes, LogLineParser.ToBytes(n, unit));

    [Theory]
    [InlineData("2024-09-23 21:34:47 average migration speed: 1.0 GiB/s - downtime 12 ms", "12 ms")]
    [InlineData("migration downtime: 35 ms", "35 ms")]
    [InlineData("migration active, expected downtime 300 ms", null)]
    [InlineData("migration status: completed", null)]
    public void Downtime(string line, string? expected) => Assert.Equal(expected, LogLineParser.Downtime(line));
}
