using System.Text.Json.Nodes;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// The dirtying load of the convergence tests and the checks around it. One long-running dd rewrites a fixed 8 MiB
/// buffer with random bytes (zero pages would cost QEMU nothing); it touches no fresh pages after its start, which
/// keeps it clear of the known QEMU 7.2 TCG defect (docs/qemu-driver.md). Under TCG it dirties about 8 MiB/s
/// (urandom's speed): more than an 8 MiB/s bwlimit can carry at a 100 ms downtime limit.
/// </summary>
public static class QemuLoad
{
    public const string DirtyCommand = "dd if=/dev/urandom of=/dev/null bs=8M 2>/dev/null & true";
    public const string BwLimitKiB = "8192";

    public static async Task StartDirtyingAsync(string dataDir, string node, int vmid)
    {
        await GuestConsole.RunAsync(dataDir, node, vmid, DirtyCommand);
        await Task.Delay(1000);
    }

    /// <summary>
    /// The guest keeps beating on <paramref name="node"/> beyond <paramref name="after"/>. A target that oopsed or went
    /// silent after a completed migration is the known TCG defect, reported as such (not as a controller failure).
    /// </summary>
    public static async Task AssertAliveAsync(string dataDir, string node, int vmid, int after)
    {
        try
        {
            await GuestConsole.WaitForHeartbeatAsync(dataDir, node, vmid, after + 3, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException e)
        {
            var console = Reality.SerialLog(dataDir, node, vmid);
            var oops = GuestConsole.Lines(console).Where(l => l.Contains("BUG:") || l.Contains("Oops") || l.Contains("Kernel panic")
                                                               || l.Contains("corruption")).Take(3).ToList();
            throw new Xunit.Sdk.XunitException(
                $"KNOWN QEMU 7.2 TCG DEFECT suspected (docs/qemu-driver.md), not a controller failure: the guest on {node} " +
                $"{(oops.Count > 0 ? "oopsed: " + string.Join(" | ", oops) : "stopped beating")} after a completed migration. {e.Message}");
        }
    }

    /// <summary>
    /// Null when the guest beats on beyond <paramref name="after"/>; the known TCG defect's description when it oopsed (a
    /// third-party defect, reported, not failed); a guest that went silent without an oops fails.
    /// </summary>
    public static async Task<string?> KnownDefectAsync(string dataDir, string node, int vmid, int after)
    {
        try
        {
            await AssertAliveAsync(dataDir, node, vmid, after);
            return null;
        }
        catch (Xunit.Sdk.XunitException e) when (e.Message.Contains(" oopsed: "))
        {
            return e.Message;
        }
    }

    /// <summary>query-migrate-parameters' controller knobs, as "downtime-limit/max-cpu-throttle/cpu-throttle-initial".</summary>
    public static (long Downtime, long MaxThrottle, long InitialThrottle) Knobs(JsonNode p) =>
        (p["downtime-limit"]!.GetValue<long>(), p["max-cpu-throttle"]!.GetValue<long>(), p["cpu-throttle-initial"]!.GetValue<long>());

    /// <summary>Samples the source's migration parameters and status every 250 ms until cancelled (or QEMU went away).</summary>
    public static async Task<(List<(long Downtime, long MaxThrottle, long InitialThrottle)> Knobs, List<string> Statuses)> SampleAsync(
        QmpTcpMonitor mon, CancellationToken ct)
    {
        var knobs = new List<(long, long, long)>();
        var statuses = new List<string>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var k = Knobs((await mon.ExecuteAsync("query-migrate-parameters"))!);
                if (knobs.Count == 0 || knobs[^1] != k) knobs.Add(k);
                var st = (await mon.ExecuteAsync("query-migrate"))?["status"]?.GetValue<string>() ?? "none";
                if (statuses.Count == 0 || statuses[^1] != st) statuses.Add(st);
                await Task.Delay(50, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or TimeoutException
                                      or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // the source QEMU ended (migration completed) or the sampling was stopped
        }
        return (knobs, statuses);
    }
}
