using ActorMigration.Domain.Ha;
using ActorMigration.SystemTests.Fencing;
using ActorMigration.SystemTests.Qemu;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Ha;

/// <summary>
/// Issue 13, real QEMU: three members (<see cref="ThreeQemuMembers"/>; the HA manager on m1, never killed), automatic fencing
/// (fence after 8 s, lease 10 s), HA VMs of the test guest with their disk on storage <c>shared</c> (one directory for all
/// members). Every QEMU of the test's VMs is sampled from /proc every 50 ms through the whole test: never two of one VM.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class QemuHaRecoveryTests(ThreeQemuMembers c, ITestOutputHelper output) : IClassFixture<ThreeQemuMembers>
{
    private const int MemoryMiB = 256;
    private static readonly FenceTimings T = FenceTimings.Standard;

    [Fact]
    public async Task A_killed_member_s_vms_run_on_another_node_with_their_disk_and_a_qemu_left_behind_dies_before_its_vm_starts_elsewhere()
    {
        await c.EnsureAllRunningAsync();
        var (m1, m3) = (c[0], c[2]);
        const int killed = 1401, orphaned = 1402; // node3's member is killed with the QEMU of 1401; 1402's QEMU is left running
        try
        {
            var pids = new Dictionary<int, int>();
            foreach (var vmid in new[] { killed, orphaned }) pids[vmid] = await StartHaGuestAsync(m3, "node3", vmid);
            var marker = $"marker-{Guid.NewGuid():N}";
            await GuestConsole.RunAsync(m3.DataDir, "node3", killed, $"echo {marker} > /mnt/disk/marker; sync");
            Assert.Contains(marker, await GuestConsole.RunAsync(m3.DataDir, "node3", killed, "cat /mnt/disk/marker"));
            await HaChecks.WaitArmedAsync(c.Three.Pg, "node3", T.LeaseTtl);

            await using var status = new HaStatusWatch(m1.Client);
            await using var copies = WatchCopies(killed, orphaned);
            var killedAt = DateTime.UtcNow;
            m3.Kill9();
            System.Diagnostics.Process.GetProcessById(pids[killed]).Kill();

            var ran = await HaChecks.WaitRunningElsewhereAsync(m1.Client, [killed, orphaned], "node3", TimeSpan.FromSeconds(90));
            foreach (var (vmid, (to, at)) in ran) output.WriteLine($"VM {vmid} runs on {to} {(at - killedAt).TotalSeconds:F1} s after the kill");
            foreach (var vmid in new[] { killed, orphaned })
                await HaChecks.OneRecoveryOkAsync(m1.Client, vmid, "node3", ran[vmid].Node, output);
            await HaChecks.AssertFencedThenRecoveredAsync(status, "node3", [killed, orphaned], withFence: true);

            // (a) The guest finds on its disk what it wrote on node3 before the kill.
            var (node, _) = ran[killed];
            var host = c.Hosting(node);
            await GuestConsole.WaitForLineAsync(host.DataDir, node, killed, "disk mounted /dev/sda");
            Assert.Contains(marker, await GuestConsole.RunAsync(host.DataDir, node, killed, "cat /mnt/disk/marker"));

            // (b) node3's watchdog killed the QEMU its member left behind, before the VM was started elsewhere.
            var seen = copies.Copies(orphaned);
            var old = seen[$"node3 pid {pids[orphaned]}"];
            var recovered = seen.Where(kv => !kv.Key.StartsWith("node3 ", StringComparison.Ordinal)).Select(kv => kv.Value.First).Min();
            output.WriteLine($"orphaned QEMU last seen {(old.Last - killedAt).TotalSeconds:F2} s after the kill, the recovered one first at "
                + $"{(recovered - killedAt).TotalSeconds:F2} s");
            Assert.True(old.Last < recovered, copies.Describe());
            FenceSampler.AssertAboutTheFenceTimeout(old.Last - killedAt, T.FenceTimeout);
            Assert.Contains($"qemu pid {pids[orphaned]} (VM {orphaned})", FenceSampler.WatchdogLog(m3, "node3"));

            output.WriteLine(copies.Describe());
            Assert.Null(copies.Violation);
            Assert.True(copies.LongestGap < TimeSpan.FromSeconds(1), copies.Describe());
            foreach (var vmid in new[] { killed, orphaned }) Assert.Single(c.QemuProcesses(vmid));
        }
        finally
        {
            await HaChecks.RemoveQuietlyAsync(c, killed, orphaned);
        }
    }

    [Fact]
    public async Task A_frozen_member_s_qemu_dies_after_the_fence_timeout_and_its_vm_is_recovered_only_after_that()
    {
        await c.EnsureAllRunningAsync();
        var (m1, m2) = (c[0], c[1]);
        const int vmid = 1403;
        try
        {
            var pid = await StartHaGuestAsync(m2, "node2", vmid);
            await HaChecks.WaitArmedAsync(c.Three.Pg, "node2", T.LeaseTtl);

            await using var status = new HaStatusWatch(m1.Client);
            await using var copies = WatchCopies(vmid);
            var frozenAt = DateTime.UtcNow;
            m2.Stop(); // SIGSTOP
            await PveClient.Eventually(() => Task.FromResult(!Reality.IsAlive(pid)), TimeSpan.FromSeconds(40), $"QEMU {pid} dies");
            var died = copies.Copies(vmid)[$"node2 pid {pid}"].Last;
            output.WriteLine($"the frozen member's QEMU last seen {(died - frozenAt).TotalSeconds:F2} s after SIGSTOP");
            FenceSampler.AssertAboutTheFenceTimeout(died - frozenAt, T.FenceTimeout);

            var ran = await HaChecks.WaitRunningElsewhereAsync(m1.Client, [vmid], "node2", TimeSpan.FromSeconds(90));
            var (upid, _) = await HaChecks.OneRecoveryOkAsync(m1.Client, vmid, "node2", ran[vmid].Node, output);
            await HaChecks.AssertFencedThenRecoveredAsync(status, "node2", [vmid], withFence: true);
            // The recovery started after the QEMU's death (UPID start time: whole seconds), its copy only after that.
            var started = DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(upid.Split(':')[4], 16)).UtcDateTime;
            output.WriteLine($"recovery {upid} started {(started - frozenAt).TotalSeconds:F0} s after SIGSTOP");
            var diedSecond = died.AddTicks(-(died.Ticks % TimeSpan.TicksPerSecond));
            Assert.True(started >= diedSecond, $"recovery started {started:HH:mm:ss}, QEMU died {died:HH:mm:ss.fff}");
            var recovered = copies.Copies(vmid).Where(kv => !kv.Key.StartsWith("node2 ", StringComparison.Ordinal)).Select(kv => kv.Value.First).Min();
            Assert.True(recovered > died, copies.Describe());
            Assert.Null(copies.Violation);
            Assert.Contains($"qemu pid {pid} (VM {vmid})", FenceSampler.WatchdogLog(m2, "node2"));

            // Running on, the frozen member finds itself downed and exits (the next test restarts it).
            m2.Continue();
            Assert.NotNull(await m2.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Single(c.QemuProcesses(vmid));
        }
        finally
        {
            if (m2.Pid is not null)
            {
                try
                {
                    m2.Continue();
                }
                catch (InvalidOperationException)
                {
                    // It exited meanwhile.
                }
                // Downed while frozen, it exits: the next test restarts it (or kills it if it did not).
                if (await m2.WaitForExitAsync(TimeSpan.FromSeconds(60)) is null) m2.Kill9();
            }
            await HaChecks.RemoveQuietlyAsync(c, vmid);
        }
    }

    /// <summary>
    /// Every QEMU of the VMs under any member's data dir, by one /proc scan: "node pid N". QEMU starts with -daemonize:
    /// the process the member launched forks, the child forks the daemon and exits, and the launcher exits once the
    /// daemon has set the VM up. The launcher (its parent is the member) runs no VM; a process with a QEMU child of the
    /// same VM is one copy with it. So only leaves that are no launcher count, and only those still alive after the scan
    /// (a busy machine caught the middle process exiting next to its daemon, 2026-12-05).
    /// </summary>
    private CopyWatch WatchCopies(params int[] vmids) => new(() =>
    {
        var processes = Reality.Processes().ToList();
        return vmids.ToDictionary(v => v, IReadOnlyList<string> (v) =>
        {
            var qemus = c.Members.SelectMany(m => Reality.QemuProcesses(processes, m.DataDir, v)).ToList();
            var parents = qemus.Select(p => ProcessScan.ParentOf(p.Pid)).ToHashSet();
            return [.. qemus.Where(p => !parents.Contains(p.Pid) && !IsMember(ProcessScan.ParentOf(p.Pid)) && Reality.IsAlive(p.Pid))
                .Select(p => $"{p.Node} pid {p.Pid}")];
        });
    });

    /// <summary>Creates and starts an HA guest with its disk on shared storage; returns its QEMU pid once its disk is mounted.</summary>
    private static bool IsMember(int? pid) => pid is { } p && Reality.CommandLine(p).Contains("actormigration.dll", StringComparison.Ordinal);

    private static async Task<int> StartHaGuestAsync(MemberProcess m, string node, int vmid)
    {
        var pid = await QemuVms.StartGuestAsync(m, node, vmid, MemoryMiB, ("scsi0", "shared:1"), ("ha-managed", "1"));
        await GuestConsole.WaitForLineAsync(m.DataDir, node, vmid, "disk mounted /dev/sda");
        return pid;
    }
}
