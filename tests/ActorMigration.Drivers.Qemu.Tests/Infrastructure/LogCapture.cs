using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>Keeps the driver's Serilog events for assertions and echoes them to the test output.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly ITestOutputHelper? _output;

    public LogCapture(ITestOutputHelper? output = null)
    {
        _output = output;
        Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();
    }

    public ILogger Logger { get; }

    public IReadOnlyList<LogEvent> Events => _events.ToArray();

    public void Emit(LogEvent e)
    {
        _events.Enqueue(e);
        try
        {
            _output?.WriteLine($"{e.Timestamp:HH:mm:ss.fff} [{e.Level}] {e.RenderMessage()}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }

    public IEnumerable<LogEvent> WithTemplate(string template) =>
        Events.Where(e => e.MessageTemplate.Text == template);
}
