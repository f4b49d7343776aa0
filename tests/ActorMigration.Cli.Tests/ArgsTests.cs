using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Tests;

public class ArgsTests
{
    [Fact]
    public void Splits_words_options_and_flags()
    {
        var a = ParsedArgs.Parse(["migrate", "100", "--online", "pve2", "--bwlimit=1024", "--param", "a=1", "--param", "b=c=d", "--with-local-disks=0"]);
        Assert.Equal(["migrate", "100", "pve2"], a.Words);
        Assert.True(a.Flag("online"));
        Assert.False(a.Flag("with-local-disks"));
        Assert.Null(a.Flag("start"));
        Assert.Equal("1024", a.Opt("bwlimit"));
        Assert.Equal(["a=1", "b=c=d"], a.All("param"));
    }

    [Theory]
    [InlineData("--name")]            // value missing
    [InlineData("--online=maybe")]    // not a boolean
    [InlineData("-x")]                // unknown short option
    public void Rejects_bad_options(string arg) =>
        Assert.Throws<UsageException>(() => ParsedArgs.Parse(["vm", "list", arg]));

    [Fact]
    public void Form_booleans_are_1_and_0_and_nulls_are_dropped()
    {
        var f = new Form().Add("online", true).Add("start", false).Add("x", (bool?)null).Add("y", (string?)null)
            .AddPairs(["net0=virtio,bridge=vmbr0"]);
        Assert.Equal(["online=1", "start=0", "net0=virtio,bridge=vmbr0"], f.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Throws<UsageException>(() => new Form().AddPairs(["novalue"]));
    }

    [Fact]
    public void Finds_two_word_commands_first()
    {
        var (spec, rest) = CommandTable.Find(["vm", "start", "100"]);
        Assert.Equal("vm start", spec!.Name);
        Assert.Equal(["100"], rest);
        Assert.Equal("migrate", CommandTable.Find(["migrate", "100", "pve2"]).Spec!.Name);
        Assert.Null(CommandTable.Find(["vm", "explode"]).Spec);
    }
}
