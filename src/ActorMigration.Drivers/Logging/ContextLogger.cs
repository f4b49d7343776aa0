using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Logging;

/// <summary>Fixed properties (node, netns) on every event of a logger, as Serilog's <c>ForContext</c> gave them.</summary>
public static class ContextLogger
{
    /// <summary>A logger that adds <paramref name="name"/> = <paramref name="value"/> to each event it writes.</summary>
    public static ILogger With(this ILogger log, string name, object? value) =>
        new Scoped(log, [new KeyValuePair<string, object?>(name, value)]);

    private sealed class Scoped(ILogger inner, IReadOnlyList<KeyValuePair<string, object?>> properties) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            using (inner.BeginScope(properties))
                inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
