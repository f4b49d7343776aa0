using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

public class StorageMapTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("1")]
    public void Identity(string? text)
    {
        Assert.True(StorageMap.TryParse(text, out var map, out var error));
        Assert.Null(error);
        Assert.True(map.Identity);
        Assert.Equal("local", map.Map("local"));
        Assert.Equal("nfs", map.Map("nfs"));
    }

    [Fact]
    public void Single_default_target()
    {
        Assert.True(StorageMap.TryParse("fast", out var map, out _));
        Assert.False(map.Identity);
        Assert.Equal("fast", map.Default);
        Assert.Equal("fast", map.Map("local"));
        Assert.Equal("fast", map.Map("anything"));
    }

    [Theory]
    [InlineData("local:fast,only1:slow,fallback")]
    [InlineData("local:fast;only1:slow fallback")]
    [InlineData(" fallback  local:fast ,, only1:slow ")]
    public void Pairs_with_a_default_in_any_separator(string text)
    {
        Assert.True(StorageMap.TryParse(text, out var map, out var error), error);
        Assert.Equal("fast", map.Map("local"));
        Assert.Equal("slow", map.Map("only1"));
        Assert.Equal("fallback", map.Map("nfs"));
        Assert.Equal(2, map.Pairs.Count);
    }

    [Fact]
    public void Pairs_without_default_keep_unmapped_storages()
    {
        Assert.True(StorageMap.TryParse("local:fast", out var map, out _));
        Assert.Equal("fast", map.Map("local"));
        Assert.Equal("nfs", map.Map("nfs"));
    }

    [Theory]
    [InlineData("fast,slow", "failed to parse storage map: default target storage 'fast' already specified")]
    [InlineData("local:fast,local:slow", "failed to parse storage map: duplicate mapping for source storage 'local'")]
    [InlineData("local:fast:x", "failed to parse storage map: 'local:fast:x' is not a valid storage pair")]
    [InlineData("Local:fast", "failed to parse storage map: 'Local:fast' is not a valid storage pair")]
    [InlineData("local:", "failed to parse storage map: 'local:' is not a valid storage pair")]
    [InlineData("1,fast", "failed to parse storage map: '1' is not a valid storage pair")]
    [InlineData("f", "failed to parse storage map: 'f' is not a valid storage pair")]
    public void Refusals(string text, string message)
    {
        Assert.False(StorageMap.TryParse(text, out _, out var error));
        Assert.Equal(message, error);
    }
}
