using ActorMigration.Api.Setup;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Api.Tests.Fencing;

/// <summary>AM_FENCE: auto (the default) arms nodes with HA VMs, 1 arms every node, 0 turns fencing off.</summary>
public class FenceSettingsTests
{
    private static ServerSettings Load(params (string Key, string Value)[] env) =>
        ServerSettings.Load([], env.ToDictionary(e => e.Key, e => (string?)e.Value));

    [Theory]
    [InlineData(null, FenceArming.HaNodes)]
    [InlineData("auto", FenceArming.HaNodes)]
    [InlineData("AUTO", FenceArming.HaNodes)]
    [InlineData("1", FenceArming.All)]
    [InlineData("on", FenceArming.All)]
    [InlineData("true", FenceArming.All)]
    public void Fencing_is_on_with_the_arming_of_the_mode(string? mode, FenceArming arming)
    {
        var s = mode is null ? Load() : Load(("AM_FENCE", mode), ("AM_FENCE_TIMEOUT_MS", "3000"));
        Assert.NotNull(s.Fencing);
        Assert.Equal(arming, s.FenceArming);
        Assert.Equal(mode is null ? FenceTimings.Standard.FenceTimeout : TimeSpan.FromSeconds(3), s.Fencing!.FenceTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("off")]
    [InlineData("false")]
    public void Fencing_can_be_turned_off(string mode) => Assert.Null(Load(("AM_FENCE", mode)).Fencing);

    [Fact]
    public void An_unknown_mode_is_refused() =>
        Assert.Contains("AM_FENCE must be auto", Assert.Throws<ArgumentException>(() => Load(("AM_FENCE", "yes"))).Message);
}
