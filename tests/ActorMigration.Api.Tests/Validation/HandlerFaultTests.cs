using System.Net;
using ActorMigration.Api.Http;
using Akka.Actor;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>
/// What <see cref="Handler"/> answers when a handler throws: never the exception's text. An unexpected fault is a
/// generic 500 whose correlation id is logged too; no such fault is reachable through the API on purpose, so the
/// handler is run here directly, with the server's logging abstraction captured.
/// </summary>
public sealed class HandlerFaultTests
{
    private const string Secret = "The input string '/var/lib/secret' was not in a correct format.";

    [Fact]
    public async Task An_unexpected_fault_is_a_generic_500_with_a_correlation_id_that_is_logged()
    {
        var (r, log) = await Run("GET", _ => throw new FormatException(Secret));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.DoesNotContain("secret", r.Body, StringComparison.OrdinalIgnoreCase);
        var id = CorrelationId(r.Message!, "internal error (correlation id ");
        var entry = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal(id, entry.State["CorrelationId"]);
        Assert.Contains(id, entry.Message);
        Assert.Equal(Secret, entry.Exception!.Message);
    }

    [Fact]
    public async Task Each_fault_gets_its_own_correlation_id()
    {
        var (a, _) = await Run("GET", _ => throw new InvalidOperationException("x"));
        var (b, _) = await Run("GET", _ => throw new InvalidOperationException("x"));
        Assert.NotEqual(CorrelationId(a.Message!, "internal error (correlation id "), CorrelationId(b.Message!, "internal error (correlation id "));
    }

    [Fact]
    public async Task A_timed_out_write_says_it_may_still_take_effect()
    {
        var (write, log) = await Run("PUT", _ => throw new AskTimeoutException("Timeout after 00:00:15 seconds"));
        var id = CorrelationId(write.Message!, "got timeout - the request may still take effect; check before retrying (correlation id ");
        Assert.Equal(id, Assert.Single(log.Entries).State["CorrelationId"]);
        Assert.DoesNotContain("00:00:15", write.Body);
        var (read, _) = await Run("GET", _ => throw new AskTimeoutException("Timeout after 00:00:15 seconds"));
        CorrelationId(read.Message!, "got timeout (correlation id ");
    }

    [Fact]
    public async Task A_parameter_fault_is_a_400_for_that_parameter()
    {
        var (r, log) = await Run("GET", p => Task.FromResult(PveResult.Data(p.Int("vmid"))), ("vmid", "١٠٠"));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal("type check ('integer') failed - got '١٠٠'", r.Errors!["vmid"]!.GetValue<string>());
        Assert.Empty(log.Entries);
    }

    [Fact]
    public async Task A_nodes_refusal_keeps_its_message()
    {
        var (r, log) = await Run("POST", _ => throw new Actors.Nodes.NodeOperationException("volume 'local:100/x.qcow2' does not exist"));
        Expect.Refused(r, "volume 'local:100/x.qcow2' does not exist");
        Assert.Empty(log.Entries);
    }

    [Theory]
    [InlineData("100", 100L)]
    [InlineData("-5", -5L)]
    [InlineData("+7", 7L)]
    [InlineData("99999999999", 99999999999L)]
    public void Integers_are_read_strictly(string text, long expected)
    {
        var p = Params(("n", text));
        Assert.Equal(expected, p.Long("n"));
        if (expected is >= int.MinValue and <= int.MaxValue) Assert.Equal((int)expected, p.Int("n"));
        else Assert.Throws<ParamException>(() => p.Int("n"));
    }

    [Theory]
    [InlineData("١٠٠")]
    [InlineData(" 5")]
    [InlineData("5\n")]
    [InlineData("\n5")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999")]
    public void Non_integers_are_parameter_errors(string text)
    {
        var p = Params(("n", text));
        Assert.Equal("n", Assert.Throws<ParamException>(() => p.Int("n")).Param);
        Assert.Equal("n", Assert.Throws<ParamException>(() => p.Long("n")).Param);
    }

    private static string CorrelationId(string message, string prefix)
    {
        Assert.StartsWith(prefix, message);
        Assert.EndsWith(")\n", message);
        var id = message[prefix.Length..^2];
        Assert.Matches("^[0-9a-f]{16}$", id);
        return id;
    }

    private static PveParams Params(params (string Key, string Value)[] values)
    {
        var p = new PveParams();
        foreach (var (k, v) in values) p.Values[k] = v;
        return p;
    }

    private static async Task<(PveClient.Response Response, CaptureLog Log)> Run(string method,
        Func<PveParams, Task<IResult>> body, params (string Key, string Value)[] query)
    {
        var log = new CaptureLog();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(log)).BuildServiceProvider();
        var ctx = new DefaultHttpContext { RequestServices = services };
        ctx.SetCaller(new Caller("root@pam"));
        ctx.Request.Method = method;
        ctx.Request.Path = "/api2/json/test";
        if (query.Length > 0)
            ctx.Request.QueryString = new QueryString("?" + string.Join("&", query.Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value)}")));
        ctx.Response.Body = new MemoryStream();
        var result = await Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("vmid")), body);
        await result.ExecuteAsync(ctx);
        ctx.Response.Body.Position = 0;
        var text = await new StreamReader(ctx.Response.Body).ReadToEndAsync();
        var reason = ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase;
        return (new PveClient.Response((HttpStatusCode)ctx.Response.StatusCode, reason, text, ctx.Response.ContentType), log);
    }

    /// <summary>Log entries with their structured values, as a structured sink receives them.</summary>
    private sealed class CaptureLog : ILoggerProvider, ILogger
    {
        public sealed record Entry(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State, Exception? Exception);

        public List<Entry> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            lock (Entries) Entries.Add(new Entry(logLevel, formatter(state, exception), values.ToDictionary(kv => kv.Key, kv => kv.Value), exception));
        }
    }
}
