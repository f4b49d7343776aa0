using System.Diagnostics;
using ActorMigration.Actors.Fencing;
using ActorMigration.Domain.Ha;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.SystemTests.Fencing;

/// <summary>
/// Watches a fenced node every 50 ms: its lease (read first) and whether its VM still runs (read second). A lease
/// that reads expired while the VM still runs afterwards breaks the invariant; the test fails at once.
/// </summary>
public static class FenceSampler
{
    /// <summary>The member environment with fencing on; <paramref name="timeoutMs"/> overrides the fence timeout.</summary>
    public static Dictionary<string, string> Env(int? timeoutMs = null)
    {
        var env = new Dictionary<string, string> { ["AM_FENCE"] = "1" };
        if (timeoutMs is { } t) env["AM_FENCE_TIMEOUT_MS"] = t.ToString();
        return env;
    }

    /// <summary>The single member's leases (SQLite in its data directory).</summary>
    public static NodeLeases Leases(MemberProcess m) =>
        new("sqlite", $"Data Source={Path.Combine(m.DataDir, "actormigration.db")};Default Timeout=30;Pooling=False");

    public static string RunDir(MemberProcess m, string node) => Path.Combine(m.DataDir, "run", node);

    public static int? WatchdogPid(MemberProcess m, string node) => PidFiles.LivePid(WatchdogFiles.PidFile(RunDir(m, node)));

    public static string WatchdogLog(MemberProcess m, string node) =>
        File.ReadAllText(Path.Combine(m.DataDir, "logs", $"watchdog-{node}.log"));

    /// <summary>Waits until a member keeps the node's lease (held, not expired) with the given time to live.</summary>
    public static async Task<NodeLease> WaitHeldAsync(NodeLeases leases, string node, TimeSpan ttl, TimeSpan? within = null)
    {
        NodeLease? lease = null;
        await PveClient.Eventually(async () =>
        {
            lease = await leases.ReadAsync(node);
            return lease is { Held: true, Expired: false } && lease.ExpiresAt - lease.RenewedAt == ttl;
        }, within ?? TimeSpan.FromSeconds(60), $"lease of {node} held with a ttl of {ttl}");
        return lease!;
    }

    /// <summary>From now until the VM is gone and the lease has expired: when each happened.</summary>
    public static async Task<(TimeSpan VmGone, TimeSpan LeaseExpired)> UntilFencedAsync(NodeLeases leases, string node, Func<bool> vmAlive,
        TimeSpan max)
    {
        var sw = Stopwatch.StartNew();
        TimeSpan? gone = null, expired = null;
        while (sw.Elapsed < max && (gone is null || expired is null))
        {
            var lease = await leases.ReadAsync(node);
            var alive = vmAlive();
            if (lease.Expired)
            {
                Assert.False(alive, $"the lease of {node} expired ({lease}) while its VM still ran, {sw.Elapsed.TotalSeconds:F1} s in");
                expired ??= sw.Elapsed;
            }
            if (!alive) gone ??= sw.Elapsed;
            await Task.Delay(50);
        }
        Assert.True(gone is not null, $"the VM of {node} still runs {max.TotalSeconds} s later");
        Assert.True(expired is not null, $"the lease of {node} never expired within {max.TotalSeconds} s");
        return (gone!.Value, expired!.Value);
    }

    /// <summary>Not before the last pet's deadline (taken at most a pet interval before the freeze), not much after it.</summary>
    public static void AssertAboutTheFenceTimeout(TimeSpan gone, TimeSpan fenceTimeout)
    {
        var t = FenceTimings.Standard;
        Assert.True(gone >= fenceTimeout - t.PetInterval - TimeSpan.FromMilliseconds(500),
            $"the VM died {gone.TotalSeconds:F1} s after the member stopped, before the fence timeout ({fenceTimeout.TotalSeconds} s)");
        Assert.True(gone <= fenceTimeout + TimeSpan.FromSeconds(8), $"the VM died only {gone.TotalSeconds:F1} s after the member stopped");
    }
}
