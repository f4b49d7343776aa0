using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>
/// The drivers' logger factory, Serilog behind Microsoft.Extensions.Logging as in the member: keeps the Serilog
/// events for assertions and echoes them to the test output.
/// </summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly ITestOutputHelper? _output;

    public LogCapture(ITestOutputHelper? output = null)
    {
        _output = output;
        Loggers = new SerilogLoggerFactory(new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger());
    }

    public ILoggerFactory Loggers { get; }

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
