using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Tests;

public class SettingsTests
{
    private static Func<string, string?> Env(params (string, string)[] vars) =>
        name => vars.FirstOrDefault(v => v.Item1 == name).Item2;

    [Theory]
    [InlineData("https://127.0.0.1:8006", "https://127.0.0.1:8006/api2/json")]
    [InlineData("pve1:8006/", "https://pve1:8006/api2/json")]
    [InlineData("http://127.0.0.1:9/api2/json", "http://127.0.0.1:9/api2/json")]
    public void Api_root(string given, string expected) => Assert.Equal(expected, ApiSettings.ToApiRoot(given));

    [Fact]
    public void Defaults_and_precedence()
    {
        var d = ApiSettings.Resolve(null, null, Env(("AM_DATA_DIR", "/nonexistent-dir")));
        Assert.Equal("https://127.0.0.1:8006/api2/json", d.ApiRoot);
        Assert.Null(d.Token);

        var e = ApiSettings.Resolve(null, null, Env(("AM_API", "http://h:1"), ("AM_TOKEN", "a@pam!t=s")));
        Assert.Equal(("http://h:1/api2/json", "a@pam!t=s", "AM_TOKEN"), (e.ApiRoot, e.Token, e.TokenSource));

        var o = ApiSettings.Resolve("http://o:2", "b@pam!u=v", Env(("AM_API", "http://h:1"), ("AM_TOKEN", "a@pam!t=s")));
        Assert.Equal(("http://o:2/api2/json", "b@pam!u=v"), (o.ApiRoot, o.Token));
    }

    [Fact]
    public void Token_file_in_data_dir()
    {
        var dir = Directory.CreateTempSubdirectory("amctl-").FullName;
        File.WriteAllText(Path.Combine(dir, "admin.token"), "root@pam!admin=abc\n");
        var s = ApiSettings.Resolve(null, null, Env(("AM_DATA_DIR", dir)));
        Assert.Equal("root@pam!admin=abc", s.Token);
        Assert.Equal(Path.Combine(dir, "pve-ssl.pem"), s.CertificateFile);
    }
}
