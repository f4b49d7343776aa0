using System.Text.Json.Nodes;
using ActorMigration.Actors.Fencing;
using ActorMigration.SystemTests.Fencing;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Ha;

/// <summary>What the HA recovery tests check alike: the recovery task and its log, the fence states, cleanup.</summary>
public static class HaChecks
{
    /// <summary>Simulated tests fence after 3 s (lease 5 s) instead of 8 s (lease 10 s).</summary>
    public const int FastFenceTimeoutMs = 3000;

    /// <summary>
    /// The member environment of the simulated HA tests: fencing automatic (AM_FENCE unset: a node is armed while it carries
    /// HA VMs), the fence timeout <see cref="FastFenceTimeoutMs"/>.
    /// </summary>
    public static Dictionary<string, string> FastFencing() => new() { ["AM_FENCE_TIMEOUT_MS"] = FastFenceTimeoutMs.ToString() };

    /// <summary>Waits until the node's watchdog is armed: a member renews its lease (it carries HA VMs).</summary>
    public static Task WaitArmedAsync(string pg, string node, TimeSpan ttl) =>
        FenceSampler.WaitHeldAsync(new NodeLeases("postgres", pg), node, ttl);

    /// <summary>Polls until each VM's record is on a node other than <paramref name="failed"/> and runs there; when, and where.</summary>
    public static async Task<Dictionary<int, (string Node, DateTime At)>> WaitRunningElsewhereAsync(PveClient c, IReadOnlyList<int> vmids,
        string failed, TimeSpan timeout)
    {
        var ran = new Dictionary<int, (string Node, DateTime At)>();
        await PveClient.Eventually(async () =>
        {
            foreach (var vmid in vmids.Where(v => !ran.ContainsKey(v)))
                if (await HaVms.RunningElsewhereAsync(c, vmid, failed) is { } node) ran[vmid] = (node, DateTime.UtcNow);
            return ran.Count == vmids.Count;
        }, timeout, $"VMs {string.Join(", ", vmids)} run on a node other than {failed}; running so far: "
            + string.Join(", ", ran.Select(kv => $"{kv.Key} on {kv.Value.Node}")));
        return ran;
    }

    /// <summary>
    /// The VM has exactly one <c>ha-recovery</c> task, on <paramref name="target"/>; it ended OK, and its log tells the fence,
    /// the recovery and ends <c>TASK OK</c>. Returns its UPID and log.
    /// </summary>
    public static async Task<(string Upid, IReadOnlyList<string> Log)> OneRecoveryOkAsync(PveClient c, int vmid, string failed, string target,
        ITestOutputHelper output)
    {
        IReadOnlyList<JsonObject> tasks = [];
        await PveClient.Eventually(async () =>
        {
            tasks = await HaVms.RecoveryTasksAsync(c, vmid, ThreeMembers.Nodes);
            return tasks.Count > 0 && tasks.All(t => t["status"]?.GetValue<string>() != "running");
        }, TimeSpan.FromSeconds(60), $"the recovery task of {vmid} ended");
        var upid = tasks[0]["upid"]!.GetValue<string>();
        var log = await c.Log(upid);
        output.WriteLine($"{upid} ({tasks[0]["status"]}):\n  {string.Join("\n  ", log)}");
        Assert.True(tasks.Count == 1, $"{vmid} has {tasks.Count} recovery tasks: {string.Join(", ", tasks.Select(t => t["upid"]))}");
        Assert.StartsWith($"UPID:{target}:", upid);
        Assert.EndsWith($":ha-recovery:{vmid}:root@pam:", upid);
        Assert.Equal("OK", tasks[0]["status"]?.GetValue<string>());
        AssertRecoveryLog(log, vmid, failed, target);
        Assert.Equal("TASK OK", log[^1]);
        return (upid, log);
    }

    /// <summary>The log says, in this order: the node went to fence, then fenced, then the service is recovered to the target.</summary>
    public static void AssertRecoveryLog(IReadOnlyList<string> log, int vmid, string failed, string target)
    {
        var fence = Index(log, $"node '{failed}': state changed from 'online' => 'fence'");
        var fenced = Index(log, $"node '{failed}': state changed from 'fence' => 'fenced'");
        var recover = Index(log, $"recover service 'vm:{vmid}' from fenced node '{failed}' to node '{target}'");
        Assert.True(fence < fenced && fenced < recover, $"fence {fence}, fenced {fenced}, recover {recover}:\n{string.Join('\n', log)}");
    }

    private static int Index(IReadOnlyList<string> log, string text)
    {
        var i = log.ToList().FindIndex(l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(i >= 0, $"no line '{text}' in:\n{string.Join('\n', log)}");
        return i;
    }

    /// <summary>
    /// The failed node's lrm entry showed <c>fence</c>, then <c>fenced</c>; each service went <c>fence</c> → <c>recovery</c> →
    /// <c>started</c> (in order, other states between allowed), within 20 s (the status follows the VM's record and runtime a
    /// little later). Without <paramref name="withFence"/> the <c>fence</c> states are not required: with a 5 s lease a node is
    /// <c>fence</c> for about 1 s, while a status request waits up to 3 s for the unreachable node (the task log still shows
    /// both, <see cref="AssertRecoveryLog"/>).
    /// </summary>
    public static async Task AssertFencedThenRecoveredAsync(HaStatusWatch watch, string failed, IReadOnlyList<int> vmids, bool withFence)
    {
        string? missing = null;
        try
        {
            await PveClient.Eventually(() => Task.FromResult((missing = Missing(watch, failed, vmids, withFence)) is null),
                TimeSpan.FromSeconds(20), "HA status went through fenced and recovery to started");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{missing}: {watch.Describe()}");
        }
    }

    private static string? Missing(HaStatusWatch watch, string failed, IReadOnlyList<int> vmids, bool withFence)
    {
        var lrm = $"lrm:{failed}";
        var fence = watch.First(lrm, c => HaStatusWatch.ShowsFence(c.Status));
        var fenced = watch.First(lrm, c => HaStatusWatch.ShowsFenced(c.Status));
        if (fenced is null || (withFence && !(fence < fenced))) return $"{lrm} was not shown {(withFence ? "fence, then " : "")}fenced";
        foreach (var vmid in vmids)
        {
            var states = watch.Sequence($"service:vm:{vmid}", c => c.State);
            var at = 0;
            foreach (var want in withFence ? ["fence", "recovery", "started"] : new[] { "recovery", "started" })
            {
                var i = states.Skip(at).ToList().IndexOf(want);
                if (i < 0) return $"service:vm:{vmid} never went to '{want}' (after index {at}): {string.Join(" → ", states)}";
                at += i + 1;
            }
        }
        return null;
    }

    /// <summary>Best effort at the end of a QEMU test: the HA resources go (nothing restarts the VMs), then every copy.</summary>
    public static async Task RemoveQuietlyAsync(ThreeQemuMembers c, params int[] vmids)
    {
        foreach (var vmid in vmids)
        {
            try
            {
                await c.Oldest.Client.Delete($"/cluster/ha/resources/vm:{vmid}");
            }
            catch (Exception)
            {
                // The member may be busy: the kill below still ends every copy.
            }
            await c.StopQuietlyAsync(vmid);
        }
    }
}
