using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>A QEMU member whose live migrations time out after 5 s without progress (AM_MIGRATION_PROGRESS_TIMEOUT_S).</summary>
public sealed class ShortProgressTimeoutMember : IAsyncLifetime
{
    public const int ProgressTimeoutSec = 5;
    public MemberProcess Member { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Member = await QemuEnv.CreateMemberAsync(new Dictionary<string, string> { ["AM_MIGRATION_PROGRESS_TIMEOUT_S"] = ProgressTimeoutSec.ToString() });
        await Member.StartAsync();
    }

    public async Task DisposeAsync() => await Member.DisposeAsync();
}

/// <summary>
/// Abort (DELETE on the task) in each phase before the point of no return, and the progress timeout of a stuck
/// migration and a stuck mirror (the target QEMU SIGSTOPped), on real QEMU: each ends rolled back with I1–I4 (one
/// QEMU runs the guest, on the source that owns the unlocked config, no volume left on the target, one final task
/// line) and the guest still beating on the source.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuMigrationAbortTests(ShortProgressTimeoutMember f, ITestOutputHelper output) : IClassFixture<ShortProgressTimeoutMember>
{
    private const int SigStop = 19, SigCont = 18;
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    /// <summary>
    /// At 8 MiB/s: ~10 s of precopy to act in, and a mirror of the whole 1 GiB volume that lasts minutes (with a speed
    /// limit QEMU's mirror copies the zeroes too; unlimited, an empty volume is mirrored at once).
    /// </summary>
    private Task<string> MigrateAsync(int vmid, bool disk) =>
        C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", [("target", "node2"), ("online", "1"), ("bwlimit", QemuLoad.BwLimitKiB),
            .. disk ? new[] { ("with-local-disks", "1") } : []]));

    private static bool Mirroring(IReadOnlyList<string> log) => log.Any(l => l.Contains("drive-scsi0: transferred "));

    /// <summary>Waits until <paramref name="when"/> holds for the task's phase and log; returns the phase then.</summary>
    private async Task<string> WaitForAsync(string upid, Func<string, IReadOnlyList<string>, bool> when, string what)
    {
        var phase = "";
        try
        {
            await PveClient.Eventually(async () => when(phase = await QemuVms.Phase(C, upid), await C.Log(upid)), TimeSpan.FromSeconds(60), what);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what}: not reached (phase {phase}):\n{string.Join('\n', await C.Log(upid))}\n--- member log ---\n" +
                                       QemuVms.Tail(M.ReadLog(), 40));
        }
        return phase;
    }

    /// <summary>I1–I4 after a rollback; returns the task log.</summary>
    private async Task<IReadOnlyList<string>> AssertRolledBackAsync(int vmid, string upid, int srcPid, string error)
    {
        var status = await C.Wait(upid, TimeSpan.FromSeconds(90));
        var log = await C.Log(upid);
        output.WriteLine($"--- {upid}: {status}\n" + string.Join('\n', log));
        Assert.Contains(log, l => l.Contains(error));
        Assert.NotEqual("OK", status);
        Assert.Single(log, l => l.StartsWith("TASK ")); // I4
        Assert.StartsWith("TASK ERROR: ", log[^1]);
        Assert.Equal(srcPid, QemuVms.AssertOneQemuOn(M, vmid, "node1")); // I1
        await QemuVms.AssertOwnedAndRunning(C, vmid, "node1", srcPid); // I2, I3
        Assert.All(QemuHost.ImageFilesOf(M.DataDir, vmid), v => Assert.StartsWith("nodes/node1/", v));
        await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node1", vmid, GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid) + 3,
            TimeSpan.FromSeconds(30));
        return log;
    }

    /// <summary>Two guests: <paramref name="vmid"/> with a local disk (start-incoming, mirror) and vmid+1 without (precopy).</summary>
    private async Task<Dictionary<int, int>> StartGuestsAsync(int vmid)
    {
        await QemuVms.CreateAsync(C, "node1", vmid, 256, start: true, ("scsi0", "local:1"));
        await QemuVms.CreateAsync(C, "node1", vmid + 1, 256, start: true);
        await Task.WhenAll(GuestConsole.WaitForSettledAsync(M.DataDir, "node1", vmid), GuestConsole.WaitForSettledAsync(M.DataDir, "node1", vmid + 1));
        return new[] { vmid, vmid + 1 }.ToDictionary(v => v, v => Reality.QemuPid(M.DataDir, "node1", v)!.Value);
    }

    [Fact]
    public async Task Abort_in_each_phase_before_the_point_of_no_return_rolls_back_with_I1_to_I4()
    {
        const int vmid = 401;
        try
        {
            var pids = await StartGuestsAsync(vmid);
            var hit = new List<string>();
            var cases = new (string Name, int VmId, Func<string, IReadOnlyList<string>, bool> When)[]
            {
                ("start-incoming", vmid, (phase, log) => phase == "start-incoming"),
                ("mirror", vmid, (phase, log) => phase == "start-incoming" && Mirroring(log)),
                ("precopy-iterations", vmid + 1, (phase, log) => phase == "precopy-iterations" && log.Any(l => l.Contains("migration active"))),
            };
            foreach (var (name, id, when) in cases)
            {
                var upid = await MigrateAsync(id, disk: id == vmid);
                var phase = await WaitForAsync(upid, when, name);
                var mirroring = Mirroring(await C.Log(upid));
                var del = await C.Delete($"/nodes/node1/tasks/{Uri.EscapeDataString(upid)}");
                Assert.True(del.Status == System.Net.HttpStatusCode.OK, $"DELETE: {del}");
                await AssertRolledBackAsync(id, upid, pids[id], "migration aborted");
                hit.Add($"{name}: phase {phase}{(mirroring ? " (mirroring)" : "")}");
            }
            output.WriteLine("aborted in: " + string.Join("; ", hit));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
            await QemuVms.StopQuietly(M, vmid + 1);
        }
    }

    [Fact]
    public async Task Progress_timeout_ends_a_stuck_mirror_and_a_stuck_migration_with_a_rollback()
    {
        const int vmid = 403;
        try
        {
            var pids = await StartGuestsAsync(vmid);
            var cases = new (string Name, int VmId, Func<string, IReadOnlyList<string>, bool> When, string Error)[]
            {
                ("mirror", vmid, (phase, log) => phase == "start-incoming" && Mirroring(log), "mirroring error: no progress for "),
                ("precopy", vmid + 1, (phase, log) => phase == "precopy-iterations" && log.Any(l => l.Contains("migration active")),
                    "migration made no progress for "),
            };
            foreach (var (name, id, when, error) in cases)
            {
                var upid = await MigrateAsync(id, disk: id == vmid);
                await WaitForAsync(upid, when, name);
                // The target QEMU (NBD server and migration stream) stops: nothing moves any more.
                var dstPid = Reality.QemuPid(M.DataDir, "node2", id)!.Value;
                Assert.Equal(0, SysKill(dstPid, SigStop));
                try
                {
                    // The task's error line comes at the end of the rollback, which waits for the stopped target: wait for the rollback.
                    await PveClient.Eventually(async () => await QemuVms.Phase(C, upid) is "rollback" or "done",
                        TimeSpan.FromSeconds(ShortProgressTimeoutMember.ProgressTimeoutSec + 20), $"{name} progress timeout");
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException($"{name}: no '{error}':\n{string.Join('\n', await C.Log(upid))}\n--- member log ---\n" +
                                               QemuVms.Tail(M.ReadLog(), 40));
                }
                finally
                {
                    SysKill(dstPid, SigCont);
                }
                var log = await AssertRolledBackAsync(id, upid, pids[id], error);
                Assert.Contains(log, l => l.Contains($"(progress timeout {ShortProgressTimeoutMember.ProgressTimeoutSec} s)"));
            }
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
            await QemuVms.StopQuietly(M, vmid + 1);
        }
    }
}
