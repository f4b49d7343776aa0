using System.Collections.Concurrent;
using ActorMigration.Drivers.Qemu.Conntrack;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Xunit.Abstractions;

namespace ActorMigration.Conntrack.Tests.Infrastructure;

/// <summary>
/// The driver's logger, Serilog behind Microsoft.Extensions.Logging as in the member:
/// writes to the xunit output and keeps events for assertions.
/// </summary>
public sealed class TestLog : ILogEventSink
{
    private readonly ITestOutputHelper? _output;

    public TestLog(ITestOutputHelper? output = null)
    {
        _output = output;
        var serilog = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();
        Logger = new SerilogLoggerFactory(serilog).CreateLogger<LinuxConntrackDriver>();
    }

    public ILogger<LinuxConntrackDriver> Logger { get; }
    public ConcurrentQueue<LogEvent> Events { get; } = new();

    public IEnumerable<string> Messages(LogEventLevel level) =>
        Events.Where(e => e.Level == level).Select(e => e.RenderMessage());

    public void Emit(LogEvent logEvent)
    {
        Events.Enqueue(logEvent);
        try
        {
            _output?.WriteLine($"{logEvent.Level}: {logEvent.RenderMessage()}");
        }
        catch (InvalidOperationException)
        {
            // output helper is closed after the test ends
        }
    }
}
