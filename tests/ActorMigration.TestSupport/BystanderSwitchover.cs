using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.TestSupport;

/// <summary>
/// One online migration of a running heartbeat guest between two members' nodes, at a bandwidth limit, with a bystander
/// member killed (kill -9) shortly before QEMU's switchover, or not (a baseline). The switchover is predicted: QEMU's
/// first precopy pass sends <see cref="GuestRam.FirstPassBytes"/> at the limit, then (the guest dirties little) it
/// stops the guest and sends the rest. From the task log's "start migrate command" line, and again from each progress
/// line ("transferred X"), the pass ends (bytes left) / limit later; the kill comes <see cref="Lead"/> before that,
/// so the switchover (the guest's pause) falls while the bystander is dead but before any survivor can even have found
/// it unreachable. The guest's pause is read from its consoles (<see cref="HeartbeatClock"/>).
/// </summary>
public static partial class BystanderSwitchover
{
    /// <summary>How long before the predicted end of the first precopy pass the bystander is killed.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What happened. <paramref name="TriggeredAt"/>: when the kill came (or, in a baseline, would have come);
    /// <paramref name="Pause"/>: the largest heartbeat gap from 3 s before that until 3 s after the target's first heartbeat;
    /// <paramref name="Switchover"/>: the gap between the source's last heartbeat and the target's first.
    /// </summary>
    public sealed record Result(string Upid, string Status, IReadOnlyList<string> Log, long DowntimeLimitMs, DateTime TriggeredAt,
        bool Killed, bool CompletedBeforeTrigger, HeartbeatClock.Gap Pause, HeartbeatClock.Gap Switchover, long FirstPassBytes)
    {
        /// <summary>From the kill (or trigger) to the guest's stop: the source's last heartbeat.</summary>
        public double TriggerToStopMs => (Switchover.Before.At - TriggeredAt).TotalMilliseconds;

        /// <summary>A line for the test output or the bench's log.</summary>
        public string Describe() => string.Format(CultureInfo.InvariantCulture,
            "{0} {1}: {2}; first pass {3:F1} MiB; pause {4:F0} ms (after heartbeat {5} on {6}); switchover gap {7:F0} ms " +
            "(heartbeat {8} on {9} -> {10} on {11}); the source's last heartbeat {12:F0} ms after the {13}{14}",
            Upid, Killed ? "with a bystander killed" : "baseline", Status, FirstPassBytes / 1048576.0, Pause.Ms, Pause.Before.Number,
            Pause.Before.Node, Switchover.Ms, Switchover.Before.Number, Switchover.Before.Node, Switchover.After.Number,
            Switchover.After.Node, TriggerToStopMs, Killed ? "kill" : "trigger", CompletedBeforeTrigger ? " (QEMU had completed before it)" : "");
    }

    [GeneratedRegex(@"migration active, transferred ([0-9.]+) (\w+) of ")]
    private static partial Regex Progress();

    [GeneratedRegex(@"migration downtime limit: (\d+) ms")]
    private static partial Regex DowntimeLimit();

    /// <summary>
    /// Migrates <paramref name="vmid"/> (running on <paramref name="from"/>, <paramref name="memoryMiB"/> MiB) to
    /// <paramref name="to"/> through the source's member at <paramref name="bwlimitKiB"/> KiB/s; kills
    /// <paramref name="bystander"/> at the predicted switchover unless null; waits for the task and for the guest to
    /// count on the target.
    /// </summary>
    public static async Task<Result> RunAsync(ThreeQemuMembers c, int vmid, int memoryMiB, string from, string to, long bwlimitKiB,
        MemberProcess? bystander)
    {
        var src = c.Hosting(from);
        var dst = c.Hosting(to);
        var pid = Reality.QemuPid(src.DataDir, from, vmid) ?? throw new InvalidOperationException($"no QEMU of {vmid} on {from}");
        using var clock = new HeartbeatClock(vmid, (src.DataDir, from), (dst.DataDir, to));
        var bytes = GuestRam.FirstPassBytes(pid, memoryMiB);
        var bw = bwlimitKiB * 1024.0;
        var upid = await src.Client.Upid(src.Client.Post($"/nodes/{from}/qemu/{vmid}/migrate", ("target", to), ("online", "1"),
            ("bwlimit", bwlimitKiB.ToString(CultureInfo.InvariantCulture))));

        DateTime? passEnd = null;
        var progressLines = 0;
        bool completed;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var log = await src.Client.Log(upid);
            var now = DateTime.UtcNow;
            completed = log.Any(l => l.Contains("migration status: completed") || l.StartsWith("TASK ", StringComparison.Ordinal));
            var progress = log.Select(l => Progress().Match(l)).Where(m => m.Success).ToList();
            if (passEnd is null && log.Any(l => l.Contains("start migrate command to")))
                passEnd = now + TimeSpan.FromSeconds(bytes / bw);
            if (progress.Count > progressLines)
            {
                progressLines = progress.Count;
                var sent = Bytes(progress[^1].Groups[1].Value, progress[^1].Groups[2].Value);
                passEnd = now + TimeSpan.FromSeconds(Math.Max(0, bytes - sent) / bw);
            }
            if (completed || passEnd is { } end && now >= end - Lead) break;
            if (now > deadline) throw new TimeoutException($"{upid}: no switchover predicted within 120 s:\n{string.Join('\n', log)}");
            await Task.Delay(20);
        }
        var triggeredAt = DateTime.UtcNow;
        bystander?.Kill9();

        var status = await src.Client.Wait(upid, TimeSpan.FromSeconds(180));
        var taskLog = await src.Client.Log(upid);
        // The guest counts on where it runs now: a few heartbeats on the target after the first.
        await PveClient.Eventually(() => Task.FromResult(clock.FirstAfter(to, triggeredAt.AddSeconds(-10)) is { } first
            && clock.Last(to)!.Number >= first.Number + 5), TimeSpan.FromSeconds(60), $"{vmid} counts on {to}: {Tail(clock)}");
        var firstOnTarget = clock.FirstAfter(to, triggeredAt.AddSeconds(-10))!;
        var lastOnSource = clock.Beats.Last(b => b.Node == from && b.Number < firstOnTarget.Number);
        var pause = clock.LargestGap(triggeredAt.AddSeconds(-3), firstOnTarget.At.AddSeconds(3))!;
        var limit = taskLog.Select(l => DowntimeLimit().Match(l)).FirstOrDefault(m => m.Success) is { } d
            ? long.Parse(d.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"no downtime limit in the task log of {upid}");
        return new Result(upid, status, taskLog, limit, triggeredAt, bystander is not null, completed, pause,
            new HeartbeatClock.Gap(lastOnSource, firstOnTarget), bytes);
    }

    private static string Tail(HeartbeatClock clock) =>
        string.Join(", ", clock.Beats.TakeLast(8).Select(b => $"{b.Number}@{b.Node} {b.At:HH:mm:ss.fff}"));

    private static double Bytes(string n, string unit) => double.Parse(n, CultureInfo.InvariantCulture) * unit switch
    {
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024,
        "GiB" => 1024.0 * 1024 * 1024,
        _ => 1.0,
    };
}
