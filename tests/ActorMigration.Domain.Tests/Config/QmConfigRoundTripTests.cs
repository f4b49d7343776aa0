using ActorMigration.Domain.Config;
using ActorMigration.Domain.Tests.Support;

namespace ActorMigration.Domain.Tests.Config;

/// <summary>What is stored can be read back: <see cref="QmConfig.PrintChecked"/> and the lenient <see cref="QmConfig.Parse"/>.</summary>
public class QmConfigRoundTripTests
{
    private static QmConfig With(string key, string value) => new() { ["name"] = "a", [key] = value };

    [Theory]
    [MemberData(nameof(QmFixtures.RoundTripData), MemberType = typeof(QmFixtures))]
    public void Every_fixture_prints_to_a_text_that_reads_back(string fixture)
    {
        var cfg = QmConfig.Parse(QmFixtures.Text(fixture));
        Assert.Empty(cfg.ParseErrors);
        Assert.Equal(cfg.ToString(), cfg.PrintChecked(out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("\n5")] // the reproduction: cpulimit=\n5 persisted "cpulimit: \n5", which no longer parses
    [InlineData(" \r\n5")]
    [InlineData("5\nlock: migrate")] // parses, but to other keys than were set
    public void A_value_with_a_newline_is_refused_in_proxmox_words(string value)
    {
        Assert.Null(With("cpulimit", value).PrintChecked(out var error));
        Assert.Equal("detected invalid newline inside property 'cpulimit'", error);
    }

    [Theory]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("5\t")]
    [InlineData("5\u00a0")]
    public void A_value_that_the_parser_would_trim_is_refused(string value)
    {
        Assert.Null(With("cpulimit", value).PrintChecked(out var error));
        Assert.Equal("unable to write config - value of 'cpulimit' does not read back as written", error);
    }

    [Theory]
    [InlineData("Cores")]
    [InlineData("net\u0661")]
    [InlineData("a b")]
    [InlineData("9lives")]
    public void A_key_the_parser_cannot_read_is_refused(string key)
    {
        Assert.Null(With(key, "1").PrintChecked(out var error));
        Assert.Equal($"unable to write config - invalid property name '{key}'", error);
    }

    [Fact]
    public void A_snapshot_name_that_is_no_section_name_is_refused()
    {
        var cfg = With("cores", "1");
        cfg.Snapshots.Add(("bad name", new QmSection { ["snaptime"] = "1" }));
        Assert.Null(cfg.PrintChecked(out var error));
        Assert.Equal("unable to write config - invalid section name 'bad name'", error);
    }

    [Theory]
    [InlineData("notes  \nsecond line  ")]
    [InlineData("x\nlock: migrate\r\nhostpci0: 0000:01:00.0")]
    [InlineData("trailing blank lines\n\n\n")]
    [InlineData("100% and %41 \u00e9\u65e5\U0001F680")]
    public void Descriptions_read_back_as_parse_vm_config_normalizes_them(string description)
    {
        var cfg = With("cores", "1");
        cfg.Main.Description = description;
        var text = cfg.PrintChecked(out var error);
        Assert.Null(error);
        Assert.Equal(description.TrimEnd(), QmConfig.ParseStrict(text!).Main.Description);
    }

    [Fact]
    public void Reading_leniently_keeps_every_line_it_can_parse_and_names_the_others()
    {
        // What the newline reproduction left in the journal, and keys with Unicode digits that \d used to accept.
        var cfg = QmConfig.Parse("cores: 2\ncpulimit: \n5\nmemory: 512\nnet\u0661: virtio\nname: a\n");
        Assert.Equal("2", cfg["cores"]);
        Assert.Equal("", cfg["cpulimit"]);
        Assert.Equal("512", cfg["memory"]);
        Assert.Equal("a", cfg["name"]);
        Assert.Equal(["vm config - unable to parse line 3: 5", "vm config - unable to parse line 5: net\u0661: virtio"], cfg.ParseErrors);
        // What is left can be stored again: that is the repair.
        Assert.Equal("cores: 2\ncpulimit: \nmemory: 512\nname: a\n", cfg.PrintChecked(out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Same_content_compares_sections_keys_and_values()
    {
        var a = QmConfig.Parse(QmFixtures.Text("101-snapshots.conf"));
        var b = QmConfig.Parse(QmFixtures.Text("101-snapshots.conf"));
        Assert.True(a.SameContent(b));
        b.Snapshots[0].Section["memory"] = "1";
        Assert.False(a.SameContent(b));
        Assert.False(a.SameContent(new QmConfig()));
    }
}
