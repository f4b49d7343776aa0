using System.Diagnostics;
using System.Globalization;
using System.Net;
using ActorMigration.Api.Http;
using Serilog;
using Serilog.Core;

namespace ActorMigration.Api.Setup;

/// <summary>
/// pveproxy's access log: one line per request in <c>&lt;data&gt;/access.log</c>, written by a Serilog logger of its own
/// (not the member's log), rolled over by size (access_001.log, …; the oldest go). The line is pveproxy's
/// <c>client - user [time] "METHOD path HTTP/1.1" status length</c> plus the duration. No secret is written: no header,
/// no body, and the query's password, ticket and token values are masked.
/// </summary>
public sealed class AccessLog : IDisposable
{
    public const string FileName = "access.log";
    public const long FileSizeLimit = 10L << 20;
    public const int RetainedFiles = 5;

    /// <summary>Query parameters whose values never reach the log (compared without case).</summary>
    private static readonly HashSet<string> Secret = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "new-password", "confirmation-password", "ticket", "PVEAuthCookie", "CSRFPreventionToken", "secret", "token",
        "otp", "tfa-challenge", "response", "cipassword",
    };

    private readonly Logger _log;

    public AccessLog(string dataDir, long fileSizeLimit = FileSizeLimit, int retained = RetainedFiles)
    {
        _log = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.File(Path.Combine(dataDir, FileName), outputTemplate: "{Message:l}{NewLine}", fileSizeLimitBytes: fileSizeLimit,
                rollOnFileSizeLimit: true, retainedFileCountLimit: retained)
            .CreateLogger();
    }

    /// <summary>Logs every request of <paramref name="app"/> (its one registration line); the file closes when the app stops.</summary>
    public static void Use(WebApplication app, string dataDir)
    {
        var log = new AccessLog(dataDir);
        app.Lifetime.ApplicationStopped.Register(log.Dispose);
        app.Use(log.Middleware);
    }

    private async Task Middleware(HttpContext ctx, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var body = ctx.Response.Body;
        var counting = new CountingStream(body);
        ctx.Response.Body = counting;
        try
        {
            await next(ctx);
        }
        finally
        {
            ctx.Response.Body = body;
            Write(ctx, counting.Written, Stopwatch.GetElapsedTime(started));
        }
    }

    private void Write(HttpContext ctx, long length, TimeSpan duration)
    {
        var r = ctx.Request;
        var client = ctx.Connection.RemoteIpAddress is { } ip ? Client(ip) : "-";
        var user = ctx.TryCaller()?.AuthId ?? "-";
        var time = DateTimeOffset.UtcNow.ToString("dd/MM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture);
        var target = r.Path.Value + MaskedQuery(r.QueryString.Value);
        _log.Information("{Client} - {User} [{Time}] \"{Method} {Target} {Protocol}\" {Status} {Length} {DurationMs}ms",
            client, user, time, r.Method, target, r.Protocol, ctx.Response.StatusCode, length, (long)duration.TotalMilliseconds);
    }

    /// <summary>As pveproxy, which listens on an IPv6 socket: an IPv4 client is <c>::ffff:a.b.c.d</c>.</summary>
    public static string Client(IPAddress ip) => ip.IsIPv4MappedToIPv6 || ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? ip.ToString()
        : ip.MapToIPv6().ToString();

    /// <summary>The query string with the values of secret parameters replaced by <c>***</c>.</summary>
    public static string MaskedQuery(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?") return "";
        var parts = query.TrimStart('?').Split('&').Select(part =>
        {
            var eq = part.IndexOf('=');
            var key = eq < 0 ? part : part[..eq];
            return eq >= 0 && Secret.Contains(Uri.UnescapeDataString(key.Replace('+', ' '))) ? key + "=***" : part;
        });
        return "?" + string.Join('&', parts);
    }

    public void Dispose() => _log.Dispose();

    /// <summary>The response body, counted on its way out (pveproxy's length column).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            await inner.WriteAsync(buffer, ct);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    }
}
