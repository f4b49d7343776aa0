using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Tests.Config;

public class SizeFormatTests
{
    [Theory]
    [InlineData("4G", 4294967296L)]
    [InlineData("32G", 34359738368L)]
    [InlineData("631M", 661651456L)]
    [InlineData("528K", 540672L)]
    [InlineData("1T", 1099511627776L)]
    [InlineData("1.5G", 1610612736L)]
    [InlineData("0.5T", 549755813888L)]
    [InlineData("512", 512L)]
    [InlineData("0", 0L)]
    [InlineData("1.9", 1L)]
    public void Parses_like_parse_size(string text, long bytes)
    {
        Assert.True(SizeFormat.TryParse(text, out var b));
        Assert.Equal(bytes, b);
        Assert.Equal(bytes, SizeFormat.Parse(text));
    }

    [Theory]
    [InlineData("4g")]
    [InlineData("4GB")]
    [InlineData("4 G")]
    [InlineData("-1G")]
    [InlineData("")]
    [InlineData("G")]
    [InlineData(".5G")]
    [InlineData("4P")]
    [InlineData("1e3")]
    [InlineData("\u0664G")]
    [InlineData("4G\n")]
    [InlineData("99999999999T")]
    [InlineData("99999999999999999999")]
    public void Refuses(string text)
    {
        Assert.False(SizeFormat.TryParse(text, out _));
        var e = Assert.Throws<FormatException>(() => SizeFormat.Parse(text));
        Assert.Equal($"unable to parse size '{text}'", e.Message);
    }

    [Theory]
    [InlineData(4294967296L, "4G")]
    [InlineData(1610612736L, "1536M")]
    [InlineData(540672L, "528K")]
    [InlineData(1099511627776L, "1T")]
    [InlineData(3298534883328L, "3T")]
    [InlineData(1099511627776L + 1073741824L, "1025G")]
    [InlineData(1000L, "1000")]
    [InlineData(1025L, "1025")]
    [InlineData(2048L, "2K")]
    [InlineData(4194304L, "4M")]
    public void Formats_like_format_size(long bytes, string text) => Assert.Equal(text, SizeFormat.Format(bytes));

    [Fact]
    public void Format_then_parse_is_identity()
    {
        var r = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var unit = new[] { 1L, 1024L, 1L << 20, 1L << 30, 1L << 40 }[r.Next(5)];
            var bytes = r.Next(1, 100_000) * unit + (unit < 1L << 40 && r.Next(3) == 0 ? r.Next(1, 1024) : 0);
            Assert.Equal(bytes, SizeFormat.Parse(SizeFormat.Format(bytes)));
        }
    }

    [Theory]
    [InlineData(536870912d, "512.0 MiB")]
    [InlineData(2147483648d, "2.0 GiB")]
    [InlineData(1536d, "1.5 KiB")]
    [InlineData(1024d, "1.0 KiB")]
    [InlineData(104857600d, "100.0 MiB")]
    [InlineData(1288490188.8d, "1.2 GiB")]
    [InlineData(3377699720527872d, "3.0 PiB")]
    [InlineData(1099511627776d, "1.0 TiB")]
    public void Human_like_render_bytes_with_precision_1(double bytes, string text) =>
        Assert.Equal(text, SizeFormat.Human(bytes));

    [Theory]
    [InlineData(0d, "0.0 B")]
    [InlineData(512d, "512.0 B")]
    [InlineData(1023d, "1023.0 B")]
    public void Human_below_one_kib_keeps_one_decimal_like_render_bytes(double bytes, string text) =>
        // PVE::Format::render_bytes: sprintf "%.1f $unit" for every unit, B included ("0.0 B/s" in migration logs).
        Assert.Equal(text, SizeFormat.Human(bytes));

    [Theory]
    [InlineData(0, "00:00:00")]
    [InlineData(59.9, "00:00:59")]
    [InlineData(61, "00:01:01")]
    [InlineData(3725, "01:02:05")]
    [InlineData(86399, "23:59:59")]
    [InlineData(360000, "100:00:00")]
    [InlineData(-5, "00:00:00")]
    public void Duration_hh_mm_ss(double seconds, string text) =>
        Assert.Equal(text, SizeFormat.Duration(TimeSpan.FromSeconds(seconds)));
}
