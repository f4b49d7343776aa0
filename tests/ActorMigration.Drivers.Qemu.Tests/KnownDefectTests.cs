using System.Text.RegularExpressions;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// Documents a known QEMU 7.2 TCG defect (not a driver failure): a guest that dirties memory heavily while
/// it is live-migrated under TCG is corrupted on the target after switchover (kernel oops such as
/// "list_add corruption" / NULL dereference, or a silent hang). The other migration tests therefore use
/// a lightly dirtying guest. See docs/qemu-driver.md, "Known QEMU 7.2 TCG defect".
/// It reproduces QEMU's bug, not ours: opt-in, `make test` skips it, `make test-defects` runs it.
/// </summary>
[Trait("Category", "ThirdPartyDefect")]
public sealed class KnownDefectTests(ITestOutputHelper output)
{
    private static readonly Regex Oops = new(@"BUG:|Oops|general protection fault|list_(add|del) corruption|Kernel panic|Bad page state",
        RegexOptions.Compiled);

    [Fact]
    public async Task KnownQemu72TcgDefect_heavily_dirtying_guest_is_corrupted_on_the_target_after_switchover()
    {
        await using var env = await TestEnv.CreateAsync(output, configure: o => o with { ExtraKernelArgs = "am.dirty=1" });
        var n1 = env.AddNode("node1");
        var n2 = env.AddNode("node2");
        // Per migration of a freshly booted guest the defect shows in about half to two thirds of the runs (a guest
        // that already survived one migration breaks much less often on the next), so each attempt boots a
        // fresh guest and migrates it once node1 → node2, at most maxAttempts times, until the defect shows.
        const int maxAttempts = 8;
        Observation? broken = null;
        for (var attempt = 1; attempt <= maxAttempts && broken is null; attempt++)
        {
            var vmid = 190 + attempt;
            var spec = Specs.Guest(vmid, "src", memoryMiB: 512);
            var src = await n1.Hypervisor.StartAsync(spec);
            await GuestConsole.WaitForLineAsync(n1.Qemu, vmid, "dirty mode on");
            await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, vmid, 5);
            // The source guest is healthy before the migration: the defect is not in the guest itself.
            Assert.DoesNotMatch(Oops, n1.Qemu.ReadSerialLog(vmid));

            var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst"));
            await n1.Hypervisor.StartMigrationAsync(vmid, new MigrationStartSpec(dst.IncomingUri!, null, 100, AutoConverge: true));
            MigrationProgress p;
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!(p = await n1.Hypervisor.QueryMigrationAsync(vmid)).IsFinal)
            {
                Assert.True(DateTime.UtcNow < deadline, $"migration still {p.Status}");
                await Task.Delay(200);
            }
            // QEMU itself reports success ...
            output.WriteLine($"attempt {attempt}: query-migrate {p}");
            Assert.True(p.Status == MigrationState.Completed, $"attempt {attempt}: migration {p.Status}: {p.Error}");
            var lastOnSource = GuestConsole.LastHeartbeat(n1.Qemu, vmid);
            await n2.Hypervisor.ResumeAsync(vmid);
            await n1.Hypervisor.StopAsync(vmid);
            Assert.True(env.LiveQemuPids().SequenceEqual([dst.Pid!.Value]),
                $"attempt {attempt}: expected only pid {dst.Pid} alive, found {string.Join(',', env.LiveQemuPids())}");

            // ... but the guest on the target breaks: an oops on its console, or no heartbeat any more.
            var seen = await Observe(n2.Qemu, vmid, TimeSpan.FromSeconds(6));
            output.WriteLine($"attempt {attempt}: migration {p.TotalTimeMs} ms, {p.DirtySyncCount} dirty syncs, downtime {p.DowntimeMs} ms; " +
                             $"last source heartbeat {lastOnSource}; target: oops={seen.Oops}, heartbeats {seen.FirstBeat}..{seen.LastBeat}, " +
                             $"still beating={seen.StillBeating}");
            foreach (var line in seen.OopsLines) output.WriteLine("  target console: " + line);
            if (seen.Oops || !seen.StillBeating) broken = seen;
            await n2.Hypervisor.StopAsync(vmid);
        }

        Assert.True(broken is not null,
            $"The known QEMU 7.2 TCG defect did not reproduce in {maxAttempts} migrations: the heavily dirtying guest survived. " +
            "If QEMU was upgraded this may be fixed; update docs/qemu-driver.md and this test.");
    }

    private sealed record Observation(bool Oops, IReadOnlyList<string> OopsLines, int FirstBeat, int LastBeat, bool StillBeating);

    /// <summary>
    /// Watches the target console for <paramref name="window"/>, stopping early on an oops;
    /// "still beating" = heartbeats advanced during the last 4 s.
    /// </summary>
    private static async Task<Observation> Observe(Hypervisor.QemuHypervisorDriver hv, int vmid, TimeSpan window)
    {
        var start = DateTime.UtcNow;
        var samples = new List<(DateTime At, int Beat)>();
        string log;
        while (true)
        {
            await Task.Delay(250);
            log = hv.ReadSerialLog(vmid);
            var now = DateTime.UtcNow;
            samples.Add((now, GuestConsole.Heartbeats(log) is { Count: > 0 } h ? h[^1] : -1));
            if (Oops.IsMatch(log))
            {
                await Task.Delay(500); // let the rest of the oops reach the log
                log = hv.ReadSerialLog(vmid);
                break;
            }
            if (now - start >= window) break;
        }
        var beats = GuestConsole.Heartbeats(log);
        var recent = samples.Where(s => s.At >= samples[^1].At.AddSeconds(-4)).ToList();
        var oopsLines = GuestConsole.Lines(log).Where(l => Oops.IsMatch(l)).Take(8).ToList();
        return new Observation(oopsLines.Count > 0, oopsLines, beats.Count > 0 ? beats[0] : -1, beats.Count > 0 ? beats[^1] : -1,
            recent[^1].Beat > recent[0].Beat);
    }
}
