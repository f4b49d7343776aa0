using System.Globalization;

namespace ActorMigration.Watchdog;

/// <summary>The watchdog's own log file (appended, one line per event, UTC time).</summary>
public sealed class FenceLog(string file, string node)
{
    private readonly object _gate = new();

    public void Write(string message)
    {
        var line = $"{DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} watchdog {node}: {message}\n";
        lock (_gate)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                File.AppendAllText(file, line);
            }
            catch (IOException)
            {
                // A full disk must not stop the watchdog.
            }
        }
    }
}
