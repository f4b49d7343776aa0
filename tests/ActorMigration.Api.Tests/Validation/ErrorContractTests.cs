using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>Hostile values that used to surface .NET exception texts: a 400 for the parameter, or a generic 500, never the text.</summary>
[Collection(RequestValidationCollection.Name)]
public sealed class ErrorContractTests(ValidationFixture f)
{
    /// <summary>Texts of .NET exceptions (FormatException, OverflowException, stack frames).</summary>
    private static readonly string[] DotNetTexts =
        ["input string", "correct format", "too large or too small", "Exception", "   at ", "Int32", "Int64"];

    private WireClient C => f.Api;

    [Fact]
    public async Task An_archive_vmid_too_large_for_an_int_is_a_parameter_error()
    {
        var vmid = f.NextVmId().ToString();
        const string archive = "local:backup/vzdump-qemu-99999999999-x.tar";
        var r = await f.Unchanged(() => C.Post("/nodes/node1/qemu", ("vmid", vmid), ("archive", archive)));
        Expect.ParamError(r, "archive", $"unable to parse volume ID '{archive}'");
    }

    /// <summary><paramref name="pairs"/>: <c>key=value</c> pairs separated by '|'.</summary>
    [Theory]
    [InlineData("PUT", "/nodes/node1/qemu/100/config", "scsi0=local:١")]
    [InlineData("PUT", "/nodes/node1/qemu/100/config", "scsi1=local:١٠٠/vm-١٠٠-disk-0.qcow2")]
    [InlineData("PUT", "/nodes/node1/qemu/100/config", "scsi1=local:99999999999/vm-99999999999-disk-0.qcow2")]
    [InlineData("POST", "/nodes/node1/qemu", "vmid=9001|scsi0=local:١")]
    [InlineData("POST", "/nodes/node1/qemu", "vmid=9002|archive=local:backup/vzdump-qemu-١٠٠-x.tar")]
    [InlineData("POST", "/nodes/node1/qemu", "vmid=9003|scsi0=local:0,import-from=local:99999999999/vm-99999999999-disk-0.raw")]
    [InlineData("POST", "/nodes/node1/qemu/100/status/start", "timeout=١٠")]
    [InlineData("GET", "/nodes/node1/tasks", "start=١")]
    [InlineData("GET", "/nodes/node1/qemu/١٠٠/config", "")]
    [InlineData("GET", "/cluster/tasks/events", "since=١")]
    [InlineData("GET", "/cluster/tasks/events", "since=99999999999999999999|timeout=1")]
    [InlineData("GET", "/cluster/tasks/events", "timeout=99999999999")]
    public async Task Hostile_values_never_surface_an_exception_text(string method, string path, string pairs)
    {
        var values = pairs.Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(x => (x[..x.IndexOf('=')], x[(x.IndexOf('=') + 1)..])).ToArray();
        var isGet = method == "GET";
        Task<PveClient.Response> Call() => C.Send(new HttpMethod(method), path, isGet ? values : [], isGet ? null : values);
        var r = isGet ? await Call() : await f.Unchanged(Call);
        foreach (var text in DotNetTexts) Assert.DoesNotContain(text, r.Body);
        Assert.True(r.Status is HttpStatusCode.BadRequest or HttpStatusCode.InternalServerError, $"expected a refusal, got {r}");
        if (r.Status == HttpStatusCode.BadRequest) Assert.NotEmpty(Expect.ParamErrors(r));
        else if (r.Message!.StartsWith("internal error")) Assert.Matches(@"^internal error \(correlation id [0-9a-f]{16}\)\n$", r.Message);
    }

    [Theory]
    [InlineData("""{"cores":""")]
    [InlineData("""{"cores":4,}""")]
    [InlineData("""not json""")]
    public async Task A_malformed_json_body_is_described_in_our_words(string body)
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, $"/nodes/node1/qemu/{ValidationFixture.Vm}/config", Expect.Json(body)));
        var errors = Expect.ParamErrors(r);
        Assert.Matches(@"^unable to parse JSON body - invalid JSON at line \d+, byte \d+$", errors["body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"description":"\ud800"}""")]
    public async Task A_json_string_that_is_not_utf8_is_described_in_our_words(string body)
    {
        var r = await f.Unchanged(() => f.Raw(HttpMethod.Put, $"/nodes/node1/qemu/{ValidationFixture.Vm}/config", Expect.Json(body)));
        Expect.ParamError(r, "body", "unable to parse JSON body - a string is not valid UTF-8");
    }
}
