using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>The access log in the data directory: a pveproxy line per request, with the caller, and never a secret.</summary>
[Collection(ValidationCollection.Name)]
public sealed class AccessLogTests(ValidationFixture f)
{
    private string[] Lines()
    {
        var path = Path.Combine(f.Server.DataDir, "access.log");
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(s).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Each_request_is_a_line_with_client_user_method_path_status_length_and_duration()
    {
        var marker = Guid.NewGuid().ToString("N");
        const string listing = "\"GET /api2/json/nodes/node1/qemu?full=1 HTTP/1.1\" 200 ";
        var before = Lines().Count(l => l.Contains(listing));
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Get("/nodes/node1/qemu", ("full", "1"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await f.Anonymous.Get("/nodes", ("y", marker))).Status);
        await PveClient.Eventually(() => Task.FromResult(Lines().Any(l => l.Contains(marker))), TimeSpan.FromSeconds(5), "the 401 line");
        var user = f.Server.Token.Split('=')[0];
        Assert.Equal(before + 1, Lines().Count(l => l.Contains(listing)));
        var ok = Lines().Last(l => l.Contains(listing));
        var time = @"\[\d\d/\d\d/\d{4}:\d\d:\d\d:\d\d \+0000\]";
        var who = System.Text.RegularExpressions.Regex.Escape(user);
        Assert.Matches($@"^::ffff:127\.0\.0\.1 - {who} {time} ""GET /api2/json/nodes/node1/qemu\?full=1 HTTP/1\.1"" 200 [1-9]\d* \d+ms$", ok);
        Assert.DoesNotContain(f.Server.Token.Split('=')[1], string.Join("\n", Lines()));
        Assert.Matches(@"^::ffff:127\.0\.0\.1 - - \[.*\] ""GET /api2/json/nodes\?y=" + marker + @" HTTP/1\.1"" 401 \d+ \d+ms$",
            Lines().Single(l => l.Contains("y=" + marker)));
    }

    [Fact]
    public async Task A_failed_login_is_logged_without_the_password_and_query_secrets_are_masked()
    {
        var password = "wrong-" + Guid.NewGuid().ToString("N");
        var login = await f.Anonymous.Post("/access/ticket", ("username", "root@pam"), ("password", password));
        Assert.Equal(HttpStatusCode.Unauthorized, login.Status);
        var query = await f.Anonymous.Get("/access/ticket", ("username", "root@pam"), ("password", password));
        await PveClient.Eventually(() => Task.FromResult(Lines().Any(l => l.Contains("GET /api2/json/access/ticket?username=root%40pam&password=***"))),
            TimeSpan.FromSeconds(5), "the GET line");
        var all = string.Join("\n", Lines());
        Assert.DoesNotContain(password, all);
        Assert.Contains(Lines(), l => l.Contains("\"POST /api2/json/access/ticket HTTP/1.1\" 401 "));
        Assert.NotEqual(HttpStatusCode.OK, query.Status);
    }

    [Theory]
    [InlineData("?password=a&b=c", "?password=***&b=c")]
    [InlineData("?PASSWORD=a", "?PASSWORD=***")]
    [InlineData("?new-password=x&ticket=PVE%3Aabc&CSRFPreventionToken=t", "?new-password=***&ticket=***&CSRFPreventionToken=***")]
    [InlineData("?a=1&password", "?a=1&password")]
    [InlineData("", "")]
    [InlineData("?", "")]
    public void Secret_query_values_are_masked(string query, string logged) =>
        Assert.Equal(logged, ActorMigration.Api.Setup.AccessLog.MaskedQuery(query));
}
