using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Actors.Fencing;

/// <summary>
/// The member's side of one node's watchdog: finds the watchdog a previous incarnation left running (its pidfile in
/// the node's run directory) or starts one in a session of its own (setsid), so that it outlives this member, and
/// pets it over its unix socket.
/// </summary>
public sealed class WatchdogClient(string node, string runDir, string driver, string logFile) : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(1);
    private Socket? _socket;
    private StreamReader? _reader;

    public string Node => node;

    /// <summary>The watchdog program next to this assembly (the member's and the tests' build outputs hold it).</summary>
    public static string Program => Environment.GetEnvironmentVariable("AM_WATCHDOG_DLL") is { Length: > 0 } p
        ? p
        : Path.Combine(AppContext.BaseDirectory, WatchdogFiles.ProgramName + ".dll");

    /// <summary>The running watchdog's pid, null when none guards the node.</summary>
    public int? Pid => PidFiles.LivePid(WatchdogFiles.PidFile(runDir));

    /// <summary>Starts the watchdog unless one is running; waits until it answers. Returns its pid.</summary>
    public int EnsureRunning()
    {
        if (Pid is { } running && Status() is not null) return running;
        if (!File.Exists(Program)) throw new FileNotFoundException("the watchdog program is missing", Program);
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >/dev/null 2>&1");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(Program);
        foreach (var a in WatchdogFiles.Arguments(node, runDir, driver, logFile)) psi.ArgumentList.Add(a);
        using (var setsid = Process.Start(psi) ?? throw new InvalidOperationException("setsid did not start"))
            setsid.WaitForExit();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (Pid is { } pid && Status() is not null) return pid;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"the watchdog of {node} did not answer within 20 s (log: {logFile})");
    }

    /// <summary>
    /// Arms the watchdog until <paramref name="deadlineMs"/> (<see cref="Environment.TickCount64"/>); its answer, null when it
    /// did not answer.
    /// </summary>
    public string? Pet(long deadlineMs) => Ask($"{WatchdogFiles.Pet} {deadlineMs.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Disarms the watchdog (only after the node's lease is released); its answer, null when it did not answer.</summary>
    public string? Disarm() => Ask(WatchdogFiles.Disarm);

    /// <summary>A watchdog runs for the node and says it is armed (asks it).</summary>
    public bool IsArmed() => Pid is not null && Status() is { } s && s.StartsWith("armed ", StringComparison.Ordinal);

    /// <summary><c>armed &lt;ms left&gt; fired &lt;n&gt;</c> or <c>disarmed fired &lt;n&gt;</c>; null when it did not answer.</summary>
    public string? Status() => Ask(WatchdogFiles.Status);

    private string? Ask(string line)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                if (_socket is null) Connect();
                _socket!.Send(Encoding.ASCII.GetBytes(line + "\n"));
                return _reader!.ReadLine() is { } reply ? reply : throw new IOException("the watchdog closed the connection");
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Dispose(); // a watchdog restarted since: connect again once
            }
        }
        return null;
    }

    private void Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        {
            ReceiveTimeout = (int)ReplyTimeout.TotalMilliseconds,
            SendTimeout = (int)ReplyTimeout.TotalMilliseconds,
        };
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(WatchdogFiles.Socket(runDir)));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), Encoding.ASCII);
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _socket?.Dispose();
        (_reader, _socket) = (null, null);
    }
}
