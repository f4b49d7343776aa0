using ActorMigration.Api.Setup;

namespace ActorMigration.Api.Tests.Setup;

/// <summary>
/// AM_MIGRATION_COMPLETION_TIMEOUT_PER_GIB_S and AM_MIGRATION_PROGRESS_TIMEOUT_S (seconds, KubeVirt's 150 by default, or
/// --migration-progress-timeout-s on the command line): a live migration's timeouts, into every request.
/// </summary>
public class MigrationTimeoutSettingsTests
{
    [Fact]
    public void Defaults_are_kubevirts_150_seconds()
    {
        var s = ServerSettings.Load([], new Dictionary<string, string?>());
        Assert.Equal((150.0, 150.0), (s.MigrationCompletionTimeoutPerGiBSec, s.MigrationProgressTimeoutSec));
    }

    [Fact]
    public void Environment_and_command_line_set_them()
    {
        var s = ServerSettings.Load(["--migration-progress-timeout-s", "2.5"],
            new Dictionary<string, string?> { ["AM_MIGRATION_COMPLETION_TIMEOUT_PER_GIB_S"] = "3", ["AM_MIGRATION_PROGRESS_TIMEOUT_S"] = "9" });
        Assert.Equal((3.0, 2.5), (s.MigrationCompletionTimeoutPerGiBSec, s.MigrationProgressTimeoutSec));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("soon")]
    [InlineData("NaN")]
    public void Bad_values_stop_the_member_naming_the_variable(string value)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ServerSettings.Load([], new Dictionary<string, string?> { ["AM_MIGRATION_PROGRESS_TIMEOUT_S"] = value }));
        Assert.Equal($"AM_MIGRATION_PROGRESS_TIMEOUT_S must be a number of seconds > 0, not '{value}'", e.Message);
    }
}
