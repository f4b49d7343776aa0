using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit.Abstractions;

namespace ActorMigration.Conntrack.Tests.Infrastructure;

/// <summary>Serilog logger that writes to the xunit output and keeps events for assertions.</summary>
public sealed class TestLog : ILogEventSink
{
    private readonly ITestOutputHelper? _output;

    public TestLog(ITestOutputHelper? output = null)
    {
        _output = output;
        Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();
    }

    public ILogger Logger { get; }
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
