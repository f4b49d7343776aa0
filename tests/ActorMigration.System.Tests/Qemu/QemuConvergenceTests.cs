using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// The convergence controller on real QEMU (issue 16, points 4 and 5): a guest dirtying ~8 MiB/s under an 8 MiB/s
/// bwlimit does not converge at 100 ms by itself. The source's parameters are read over a second QMP monitor
/// (<see cref="QmpTcpMonitor"/>, the member holds qmp.sock).
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuConvergenceTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    private async Task<int> StartLoadedGuestAsync(int vmid)
    {
        // args is root@pam's.
        await QemuVms.CreateAsync(await M.RootSessionAsync(), "node1", vmid, 256, start: true, ("args", QmpTcpMonitor.Args));
        await GuestConsole.WaitForSettledAsync(M.DataDir, "node1", vmid);
        await QemuLoad.StartDirtyingAsync(M.DataDir, "node1", vmid);
        return Reality.QemuPid(M.DataDir, "node1", vmid)!.Value;
    }

    [Fact]
    public async Task Controller_completes_a_migration_plain_qemu_at_the_same_settings_does_not_finish()
    {
        var vmid = f.NextVmId();
        try
        {
            var srcPid = await StartLoadedGuestAsync(vmid);
            var window = TimeSpan.FromSeconds(35);

            // (b) Plain QEMU, the same start settings (auto-converge with the throttle at 20 %, 100 ms, 8 MiB/s), no manager
            // action, to an incoming QEMU of the test's own: not finished within the window, then cancelled (the source
            // never switches over, so the guest is not exposed to the TCG defect here).
            await using (var mon = await QmpTcpMonitor.ConnectAsync(srcPid))
            await using (var dst = await PlainIncomingQemu.StartLikeAsync(srcPid))
            {
                var plain = await PlainMigrationAsync(mon, dst.Uri, window);
                output.WriteLine($"plain QEMU within {window.TotalSeconds:0} s: {plain}");
                Assert.DoesNotContain("completed", plain);
                await mon.ExecuteAsync("migrate_cancel");
                await PveClient.Eventually(async () => (await mon.ExecuteAsync("query-migrate"))?["status"]?.GetValue<string>() == "cancelled",
                    TimeSpan.FromSeconds(20), "plain migration cancelled");
            }
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node1", vmid, GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid) + 3);

            // (a) Through the API: the controller raises the throttle ceiling and/or the downtime limit and completes in the window.
            var clock = Stopwatch.StartNew();
            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("bwlimit", QemuLoad.BwLimitKiB)));
            await using var mon2 = await QmpTcpMonitor.ConnectAsync(srcPid);
            using var stop = new CancellationTokenSource();
            var sampling = QemuLoad.SampleAsync(mon2, stop.Token);
            var log = await QemuVms.WaitOk(M, upid, TimeSpan.FromSeconds(120));
            var controllerTime = clock.Elapsed;
            await stop.CancelAsync();
            var (knobs, statuses) = await sampling;
            output.WriteLine(string.Join('\n', log));
            output.WriteLine($"controller: {controllerTime.TotalSeconds:0.0} s; parameters seen (downtime/max-throttle/initial): " +
                             string.Join(", ", knobs) + "; statuses " + string.Join(",", statuses));
            Assert.True(controllerTime < window, $"the controller needed {controllerTime.TotalSeconds:0.0} s");

            // QEMU started at the controller's first settings, and took its changes; each change has its task-log line.
            Assert.Contains((100L, 20L, 20L), knobs);
            // Each controller line ends with the settings it left QEMU at: "(downtime-limit N ms[, max-cpu-throttle P%])" (no
            // throttle: unchanged).
            var states = new List<(long Downtime, long Throttle)>();
            foreach (var m in log.Select(l => Regex.Match(l, @"\(downtime-limit (\d+) ms(?:, max-cpu-throttle (\d+)%)?\)")).Where(m => m.Success))
                states.Add((long.Parse(m.Groups[1].Value), m.Groups[2].Success ? long.Parse(m.Groups[2].Value) : states.LastOrDefault((0, 20)).Throttle));
            Assert.True(states.Count > 0, "no controller action in the task log");
            var downtimes = states.Select(x => x.Downtime).Append(100).ToHashSet();
            var throttles = states.Select(x => x.Throttle).Append(20).ToHashSet();
            // Every value QEMU held is the start value or one a controller line names (a step may set its two knobs one
            // after the other, so each knob is checked on its own); every state but the last was seen (the last may let
            // the migration complete and the source quit between two samples).
            foreach (var k in knobs.Skip(1))
                Assert.True(downtimes.Contains(k.Downtime) && throttles.Contains(k.MaxThrottle) && k.InitialThrottle == k.MaxThrottle,
                    $"QEMU held {k} without a task-log line for it");
            foreach (var st in states.SkipLast(1))
                Assert.Contains(knobs, k => k.Downtime == st.Downtime && k.MaxThrottle == st.Throttle);
            Assert.Contains(knobs, k => k.MaxThrottle > 20 || k.Downtime > 100);
            QemuVms.Downtime(log);
            Assert.True(QemuVms.AssertOneQemuOn(M, vmid, "node2") > 0);
            QemuVms.AssertGone(M, srcPid, "node1", vmid);
            var lastOnSource = GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid, includeOld: true);
            if (await QemuLoad.KnownDefectAsync(M.DataDir, "node2", vmid, lastOnSource) is { } defect) output.WriteLine(defect);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    /// <summary>Runs a migration with the controller's start settings over QMP for <paramref name="window"/>; its status trace.</summary>
    private async Task<string> PlainMigrationAsync(QmpTcpMonitor mon, string uri, TimeSpan window)
    {
        await mon.ExecuteAsync("migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(
                new JsonObject { ["capability"] = "events", ["state"] = true },
                new JsonObject { ["capability"] = "auto-converge", ["state"] = true },
                new JsonObject { ["capability"] = "postcopy-ram", ["state"] = false })
        });
        await mon.ExecuteAsync("migrate-set-parameters", new JsonObject
        {
            ["downtime-limit"] = 100, ["cpu-throttle-initial"] = 20, ["cpu-throttle-increment"] = 20, ["max-cpu-throttle"] = 20,
            ["max-bandwidth"] = 8L << 20, ["tls-creds"] = "", ["tls-hostname"] = "",
        });
        await mon.ExecuteAsync("migrate", new JsonObject { ["uri"] = uri });
        var trace = new List<string>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            var q = (await mon.ExecuteAsync("query-migrate"))!;
            var status = q["status"]!.GetValue<string>();
            var ram = q["ram"];
            trace.Add($"{clock.Elapsed.TotalSeconds:0}s {status} it {ram?["dirty-sync-count"]} dirty {ram?["dirty-pages-rate"]} p/s " +
                      $"rem {(ram?["remaining"]?.GetValue<long>() ?? 0) >> 10} KiB exp {q["expected-downtime"]} ms thr {q["cpu-throttle-percentage"]}");
            if (status is "completed" or "failed") break;
            await Task.Delay(2000);
        }
        return string.Join("; ", trace);
    }

    [Fact]
    public async Task Force_complete_switches_to_post_copy_where_allowed_else_raises_the_downtime_to_max_downtime()
    {
        var vmid = f.NextVmId();
        try
        {
            var srcPid = await StartLoadedGuestAsync(vmid);

            // With post-copy=1: force-complete switches to post-copy; the target runs the guest before its last pages arrive.
            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"),
                ("bwlimit", QemuLoad.BwLimitKiB), ("post-copy", "1")));
            await using (var mon = await QmpTcpMonitor.ConnectAsync(srcPid))
            {
                await WaitForPrecopyAsync(upid);
                using var stop = new CancellationTokenSource();
                var sampling = QemuLoad.SampleAsync(mon, stop.Token);
                var fc = await C.Post($"/nodes/node1/qemu/{vmid}/migrate/force-complete");
                Assert.True(fc.Status == HttpStatusCode.OK, $"force-complete: {fc.Status} {fc.Body}");
                Assert.Equal(upid, fc.Data!.GetValue<string>());
                var log = await QemuVms.WaitOk(M, upid, TimeSpan.FromSeconds(90));
                await stop.CancelAsync();
                var (_, statuses) = await sampling;
                output.WriteLine(string.Join('\n', log) + "\nstatuses: " + string.Join(",", statuses));
                Assert.Contains("postcopy-active", statuses);
                Assert.Contains(log, l => l.Contains("force-complete: switching to post-copy"));
            }
            var dstPid = QemuVms.AssertOneQemuOn(M, vmid, "node2");
            QemuVms.AssertGone(M, srcPid, "node1", vmid);
            await QemuVms.AssertOwnedAndRunning(C, vmid, "node2", dstPid);
            await QemuLoad.AssertAliveAsync(M.DataDir, "node2", vmid, GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid, includeOld: true));

            // Without post-copy: force-complete raises the downtime limit to max-downtime (2 s), and the migration completes.
            var back = await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/migrate", ("target", "node1"), ("online", "1"),
                ("bwlimit", QemuLoad.BwLimitKiB), ("max-downtime", "2")));
            await using (var mon = await QmpTcpMonitor.ConnectAsync(dstPid))
            {
                await WaitForPrecopyAsync(back);
                using var stop = new CancellationTokenSource();
                var sampling = QemuLoad.SampleAsync(mon, stop.Token);
                var fc = await C.Post($"/nodes/node2/qemu/{vmid}/migrate/force-complete");
                Assert.True(fc.Status == HttpStatusCode.OK, $"force-complete: {fc.Status} {fc.Body}");
                var log = await QemuVms.WaitOk(M, back, TimeSpan.FromSeconds(90));
                await stop.CancelAsync();
                var (knobs, _) = await sampling;
                output.WriteLine(string.Join('\n', log) + "\nparameters: " + string.Join(", ", knobs));
                Assert.Contains(log, l => l.Contains("force-complete: downtime limit raised to max-downtime 2000 ms"));
                Assert.Contains(knobs, k => k.Downtime == 2000);
                QemuVms.Downtime(log);
            }
            QemuVms.AssertOneQemuOn(M, vmid, "node1");
            await QemuLoad.AssertAliveAsync(M.DataDir, "node1", vmid, GuestConsole.MaxHeartbeat(M.DataDir, "node2", vmid, includeOld: true));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    private async Task WaitForPrecopyAsync(string upid) =>
        await PveClient.Eventually(async () => await QemuVms.Phase(C, upid) == "precopy-iterations" &&
                                               (await C.Log(upid)).Any(l => l.Contains("migration active")),
            TimeSpan.FromSeconds(60), "precopy with progress");
}
