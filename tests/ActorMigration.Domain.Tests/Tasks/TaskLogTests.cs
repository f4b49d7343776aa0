using ActorMigration.Domain.Tasks;

namespace ActorMigration.Domain.Tests.Tasks;

public class TaskLogTests
{
    private static DateTimeOffset Local(int y, int mo, int d, int h, int mi, int s)
    {
        var dt = new DateTime(y, mo, d, h, mi, s, DateTimeKind.Unspecified);
        return new DateTimeOffset(dt, TimeZoneInfo.Local.GetUtcOffset(dt));
    }

    [Fact]
    public void Line_is_local_time_then_text()
    {
        Assert.Equal("2024-09-23 21:34:43 starting migration of VM 100 to node 'node2' (10.0.0.2)",
            TaskLog.Line(Local(2024, 9, 23, 21, 34, 43), "starting migration of VM 100 to node 'node2' (10.0.0.2)"));
    }

    [Fact]
    public void Line_converts_other_offsets_to_local_time()
    {
        var local = Local(2024, 1, 2, 3, 4, 5);
        var elsewhere = local.ToOffset(local.Offset + TimeSpan.FromHours(5));
        Assert.Equal("2024-01-02 03:04:05 x", TaskLog.Line(elsewhere, "x"));
    }

    [Theory]
    [InlineData("OK", "TASK OK")]
    [InlineData("WARNINGS: 2", "TASK WARNINGS: 2")]
    [InlineData("migration aborted", "TASK ERROR: migration aborted")]
    [InlineData("command failed\nexit code 1\n", "TASK ERROR: command failed exit code 1")]
    [InlineData("WARNINGS:2", "TASK ERROR: WARNINGS:2")]
    public void Final_line(string exit, string line) => Assert.Equal(line, TaskLog.FinalLine(exit));

    [Theory]
    [InlineData(null, 0, "OK")]
    [InlineData(null, 3, "WARNINGS: 3")]
    [InlineData("migration problems", 3, "migration problems")]
    [InlineData("a\nb\n", 0, "a b")]
    public void Exit_status(string? error, int warnings, string exit) => Assert.Equal(exit, TaskLog.ExitStatus(error, warnings));
}
