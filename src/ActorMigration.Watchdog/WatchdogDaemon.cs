using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ActorMigration.Domain.Ha;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Watchdog;

/// <summary>
/// One node's watchdog: listens on the node's watchdog socket for pets (absolute deadlines on the host's monotonic
/// clock), looks at the deadline every <see cref="FenceTimings.WatchdogTick"/>, and past it kills the node's VM
/// processes (<see cref="INodeFence"/>), logs what it killed, and stays disarmed until the next pet. A member disarms it
/// (<c>disarm</c>) once its node no longer carries HA VMs and its lease is released. Asked to stop
/// (SIGTERM) while armed, it fences first: a watchdog that is gone can no longer keep the lease's promise.
/// </summary>
public static class WatchdogDaemon
{
    private static readonly object Gate = new();
    private static WatchdogClock _clock = WatchdogClock.Disarmed;

    public static int Run(WatchdogArgs a)
    {
        var fence = a.Fence();
        var log = new FenceLog(a.LogFile, a.Node);
        Directory.CreateDirectory(WatchdogFiles.Dir(a.RunDir));
        if (PidFiles.LivePid(a.PidFile) is { } other && other != Environment.ProcessId)
        {
            log.Write($"another watchdog (pid {other}) already guards this node; exiting");
            return 0;
        }
        File.WriteAllText(a.PidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (File.Exists(a.Socket)) File.Delete(a.Socket);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(a.Socket));
        listener.Listen(8);
        log.Write($"started (pid {Environment.ProcessId}, driver {a.Driver}, run dir {a.RunDir}); disarmed until the first pet");

        var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            lock (Gate)
                if (_clock.Armed) Fire(fence, log, a.RunDir, "asked to stop while armed");
            stop.Set();
        });
        new Thread(() => Accept(listener, log)) { IsBackground = true, Name = "watchdog-accept" }.Start();
        while (!stop.Wait(FenceTimings.WatchdogTick))
        {
            lock (Gate)
                if (_clock.Due(Now)) Fire(fence, log, a.RunDir, $"no pet for {Overdue()} past the deadline");
        }
        log.Write("stopped");
        return 0;
    }

    private static TimeSpan Now => TimeSpan.FromMilliseconds(Environment.TickCount64);

    private static string Overdue() => $"{(Now - _clock.Deadline).TotalMilliseconds:F0} ms";

    private static void Fire(INodeFence fence, FenceLog log, string runDir, string why)
    {
        var killed = fence.KillAll(runDir);
        _clock = _clock.AfterFiring();
        log.Write($"FENCED ({why}): killed {killed.Count} VM process(es)"
            + string.Concat(killed.Select(k => $"; {k.What} pid {k.Pid}" + (k.VmId is { } v ? $" (VM {v})" : ""))));
        log.Write("disarmed until a member pets again");
    }

    private static void Accept(Socket listener, FenceLog log)
    {
        while (true)
        {
            var client = listener.Accept();
            new Thread(() => Serve(client, log)) { IsBackground = true, Name = "watchdog-client" }.Start();
        }
    }

    /// <summary>One line in, one line out: <c>pet &lt;deadline ms&gt;</c>, <c>disarm</c> or <c>status</c>.</summary>
    private static void Serve(Socket client, FenceLog log)
    {
        try
        {
            using var stream = new NetworkStream(client, ownsSocket: true);
            using var reader = new StreamReader(stream);
            using var writer = new StreamWriter(stream) { AutoFlush = true, NewLine = "\n" };
            while (reader.ReadLine() is { } line)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                lock (Gate)
                {
                    if (parts is [WatchdogFiles.Pet, var ms] && long.TryParse(ms, CultureInfo.InvariantCulture, out var deadline))
                    {
                        var was = _clock;
                        _clock = _clock.Pet(Now, TimeSpan.FromMilliseconds(deadline));
                        if (!was.Armed && _clock.Armed) log.Write($"armed ({(_clock.Deadline - Now).TotalMilliseconds:F0} ms)");
                    }
                    else if (parts is [WatchdogFiles.Disarm])
                    {
                        if (_clock.Armed) log.Write("disarmed by the member");
                        _clock = _clock.Disarm();
                    }
                    else if (parts is not [WatchdogFiles.Status])
                    {
                        writer.WriteLine("error unknown command");
                        continue;
                    }
                    writer.WriteLine(Describe());
                }
            }
        }
        catch (IOException)
        {
            // The member went away; the deadline stands.
        }
    }

    private static string Describe() => _clock.Left(Now) is { } left
        ? $"armed {left.TotalMilliseconds:F0} fired {_clock.Fired}"
        : $"disarmed fired {_clock.Fired}";
}
