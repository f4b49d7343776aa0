using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ActorMigration.Api.Setup;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu;
using ActorMigration.Drivers.Qemu.GuestImage;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Node;
using ActorMigration.Drivers.Qemu.Qmp;

namespace ActorMigration.Bench.Qemu;

/// <summary>
/// qemu-live: a running test guest (heartbeat console, no disks, same memory) is live-migrated back and forth
/// (a) by the engine: POST /nodes/{n}/qemu/{vmid}/migrate online=1 on a child member (AM_DRIVER=qemu), timed from the
///     POST until the member logs the workflow's end (lock, prepare, target start, migrate, poll, config move, resume,
///     source stop, unlock); the task is then read through the API (status OK, downtime from its log);
/// (b) by a bare script: the target QEMU spawned by the driver's StartAsync (the same command line builder), then
///     only QMP: migrate-set-capabilities, migrate-set-parameters, migrate, poll query-migrate until QEMU's MIGRATION
///     event ends it (as the engine waits), cont on the target, quit on the source, timed from spawning the target until the source process is gone.
/// Both use downtime-limit 100 ms, unlimited bandwidth (the driver's 16 GiB/s max-bandwidth), auto-converge on,
/// and poll query-migrate every <c>pollMs</c> (the member's AM_POLL_MS). <c>warmUp</c> migrations per mode are not
/// counted; the modes take turns (engine, bare, engine, ...; AM_BENCH_ALTERNATE=1 alternates which goes first in a round),
/// each right after the other (AM_BENCH_REST_S: a minimum rest per guest). The host's free page reporting is held
/// back while it runs (<see cref="FreePageReporting"/>; AM_BENCH_PAGE_REPORTING=keep leaves it on).
/// With AM_BENCH_DISK_MIB (<see cref="DiskMiB"/>) the guest has a local disk that the engine mirrors; only the
/// engine runs then, for its QMP count.
/// </summary>
public static class QemuLiveBench
{
    internal const int VmId = 100;
    internal const int DowntimeLimitMs = 100;
    private static readonly bool AlternateOrder = Environment.GetEnvironmentVariable("AM_BENCH_ALTERNATE") == "1";

    /// <summary>
    /// AM_BENCH_DISK_MIB: the disk variant. The VM gets a qcow2 disk of that size on the nodes' local (non-shared)
    /// storage and the engine migrates it online with-local-disks=1 (mirror over NBD); the bare side is skipped
    /// (QMP count only, no ratio). 0 (default): no disk.
    /// </summary>
    internal static readonly int DiskMiB =
        int.TryParse(Environment.GetEnvironmentVariable("AM_BENCH_DISK_MIB"), out var disk) && disk > 0 ? disk : 0;

    // How long a guest rests after it arrived before it is timed again (AM_BENCH_REST_S overrides).
    internal static readonly TimeSpan Settle = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("AM_BENCH_REST_S"), out var rest) && rest >= 0 ? rest : 0);

    public static async Task<int> RunAndPrint(int rounds, int memoryMiB, int pollMs, int warmUp)
    {
        var r = await Run(rounds, memoryMiB, pollMs, Console.Error, warmUp);
        QemuLiveReport.Print(r, rounds, memoryMiB, pollMs, warmUp);
        return 0;
    }

    public static async Task<QemuLiveResult> Run(int rounds, int memoryMiB, int pollMs, TextWriter log, int warmUp = 5)
    {
        var guest = await GuestImageBuilder.EnsureBuiltAsync();
        var dll = await ChildMember.BuildAsync(log);
        using var reporting = FreePageReporting.Hold();
        log.WriteLine($"host free page reporting: {reporting.State}");
        var root = Directory.CreateTempSubdirectory("am-bench-qemu-").FullName;
        var memberDir = Path.Combine(root, "member");
        var bareDir = Path.Combine(root, "bare");
        Directory.CreateDirectory(memberDir);
        Directory.CreateDirectory(bareDir);
        var bareNodes = new List<QemuNodeDriver>();
        var qmp = new Dictionary<string, QmpClient>();
        ChildMember? member = null;
        try
        {
            // (a) the engine: a child member hosting node1..node3 with the QEMU driver.
            var env = new Dictionary<string, string>
            {
                ["AM_DRIVER"] = "qemu", ["AM_TEST_KERNEL"] = guest, ["AM_POLL_MS"] = pollMs.ToString(),
                ["AM_LOG_DEBUG"] = SwitchoverCommands.LogSource,
            };
            for (var i = 0; i < 3; i++)
            {
                env[$"AM_NODE_NODE{i + 1}_PORT_START"] = (60600 + i * 100).ToString();
                env[$"AM_NODE_NODE{i + 1}_PORT_END"] = (60699 + i * 100).ToString();
            }
            log.WriteLine($"starting member in {memberDir}");
            member = await ChildMember.StartAsync(dll, memberDir, env);
            (string, string)[] create0 = [("vmid", VmId.ToString()), ("name", "bench"), ("memory", memoryMiB.ToString()),
                ("net0", "virtio,bridge=vmbr0"), ("start", "1")];
            // The disk variant: "local:<GiB>" allocates a qcow2 volume on the node's local directory storage.
            if (DiskMiB > 0) create0 = [.. create0, ("scsi0", "local:" + (DiskMiB / 1024.0).ToString(CultureInfo.InvariantCulture))];
            var create = await member.PostAsync("/nodes/node1/qemu", create0);
            Expect("OK", await member.WaitTaskAsync(create, 50, TimeSpan.FromMinutes(2)), "create");
            await WaitHeartbeatAsync(() => ReadText(EngineSerialLog(memberDir, "node1")), 3);

            // (b) the bare script's two "nodes": the driver only spawns QEMU (same spec from the same config).
            // Not in the disk variant (count only).
            if (DiskMiB > 0) log.WriteLine($"disk variant ({DiskMiB} MiB local disk): bare QMP side skipped, QMP count only, no ratio");
            VmLaunchSpec? spec = null;
            // The bare side migrates with the same TLS as the engine: the member's cluster certificates.
            var tls = new QemuTls(Path.Combine(memberDir, "cluster-tls"), ClusterCertificates.PeerName);
            var check = "n/a (disk variant: no bare side)";
            // The engine's QEMU (the bare side's, below, is the same binary).
            var engineMetaFile = Path.Combine(memberDir, "run", "node1", "qemu", VmId.ToString(), "meta.json");
            var engineMeta = VmMetadata.Read(engineMetaFile);
            var accel = engineMeta?.Accelerator ?? "?";
            var version = engineMeta?.QemuVersion ?? "?";
            if (DiskMiB == 0)
            {
                var opts = QemuDriverOptions.FromGuestImage(guest) with { Tls = tls };
                var storage = new StorageConfig([
                    new StorageDefinition("local", "dir", Path.Combine(bareDir, "nodes", "{node}", "local"), false, ["images"], null)
                ]);
                for (var i = 0; i < 2; i++)
                    bareNodes.Add(new QemuNodeDriver(new NodeSettings($"bare{i + 1}", Path.Combine(bareDir, "run", $"bare{i + 1}"), storage,
                        PortRangeStart: 60900 + i * 50, PortRangeEnd: 60949 + i * 50), opts));
                var config = await member.GetAsync($"/nodes/node1/qemu/{VmId}/config");
                var configText = string.Join('\n', config.AsObject().Where(kv => kv.Key != "digest").Select(kv => $"{kv.Key}: {kv.Value}"));
                spec = VmLaunchSpec.FromConfig(VmId, QmConfig.Parse(configText), _ => throw new InvalidOperationException("no disks"));
                var src = await bareNodes[0].Hypervisor.StartAsync(spec);
                await WaitHeartbeatAsync(() => bareNodes[0].Qemu.ReadSerialLog(VmId), 3);
                spec = spec with { Machine = src.RunningMachine };
                check = BareQmpMigration.CompareCommandLines(engineMetaFile,
                    bareNodes[0].Qemu.FilesOf(VmId).MetaFile);
                log.WriteLine($"command lines: {check}");
                accel = (await bareNodes[0].Qemu.GetAcceleratorAsync()).Accelerator;
                version = src.RunningQemu ?? "?";
            }

            var engineAt = 0; // the engine's VM runs on node1 (0) or node2 (1); the bare one on bare1 (0) or bare2 (1)
            var bareAt = 0;
            // With AM_BENCH_REST_S, each guest rests that long after it arrived before it is timed again.
            var engineArrived = DateTime.UtcNow;
            var bareArrived = DateTime.UtcNow;
            async Task Rest(DateTime arrived)
            {
                var left = arrived + Settle - DateTime.UtcNow;
                if (left > TimeSpan.Zero) await Task.Delay(left);
            }
            async Task<Measured> Engine()
            {
                await Rest(engineArrived);
                var (from, to) = ($"node{engineAt + 1}", $"node{2 - engineAt}");
                var m = await EngineMigrateAsync(member, memberDir, from, to, pollMs);
                engineArrived = DateTime.UtcNow;
                await WaitHeartbeatAsync(() => ReadText(EngineSerialLog(memberDir, to)), 1, requireProgress: true);
                engineAt = 1 - engineAt;
                return m;
            }
            async Task<Measured?> Bare()
            {
                if (spec is null) return null;
                await Rest(bareArrived);
                var (from, to) = (bareNodes[bareAt], bareNodes[1 - bareAt]);
                var m = await BareQmpMigration.MigrateAsync(from, to, spec, qmp, pollMs, tls);
                bareArrived = DateTime.UtcNow;
                await WaitHeartbeatAsync(() => to.Qemu.ReadSerialLog(VmId), 1, requireProgress: true);
                bareAt = 1 - bareAt;
                return m;
            }

            // Warm-up: a member that just started still JIT-compiles its hot paths (tiered compilation), which costs
            // CPU the guests' QEMUs need; a long-running member does not. Not counted.
            for (var w = 1; w <= warmUp; w++)
            {
                var warmEngine = await Engine();
                var warmBare = await Bare();
                log.WriteLine(string.Format(CultureInfo.InvariantCulture, "warm-up {0} (not counted): engine {1:F2} s, bare {2:F2} s",
                    w, warmEngine.Seconds, warmBare?.Seconds ?? double.NaN));
            }
            var results = new List<QemuLiveRound>();
            for (var round = 1; round <= rounds; round++)
            {
                // Strictly interleaved (engine, bare, engine, ...), back to back: every timed migration starts right after
                // one of the other mode, so both see the same machine.
                var engineFirst = !AlternateOrder || round % 2 == 1;
                Measured e;
                Measured? b;
                if (engineFirst)
                {
                    e = await Engine();
                    b = await Bare();
                }
                else
                {
                    b = await Bare();
                    e = await Engine();
                }
                var row = new QemuLiveRound(round, engineFirst ? "engine" : "bare", e, b);
                results.Add(row);
                log.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "round {0}: engine {1:F2} s (downtime {2} ms; {3}), bare {4:F2} s (downtime {5} ms; {6}), ratio {7:F2}; " +
                    "engine QMP commands: {8} in the migration, switchover {9}",
                    round, e.Seconds, e.DowntimeMs, e.Phases, b?.Seconds ?? double.NaN, b?.DowntimeMs, b?.Phases, row.Ratio, e.MigrationQmp,
                    SwitchoverCommands.Describe(e.SwitchoverQmp)));
            }
            var reported = reporting.ReportedSinceStart();
            return new QemuLiveResult(results, memoryMiB, pollMs, accel, version, check,
                reporting.State + (reported >= 0 ? $"; {reported} KiB reported during the run" : ""));
        }
        catch
        {
            var output = Path.Combine(memberDir, "member.out");
            if (File.Exists(output))
            {
                var keep = Path.Combine(Path.GetTempPath(), "am-bench-qemu-member.out");
                File.Copy(output, keep, true);
                log.WriteLine($"--- member output (last 40 lines; all of it in {keep}) ---\n" + string.Join('\n', File.ReadLines(output).TakeLast(40)));
            }
            if (Environment.GetEnvironmentVariable("AM_BENCH_HOLD") is { } hold && int.TryParse(hold, out var holdS))
            {
                log.WriteLine($"HOLD: everything left running for {holdS} s in {root}");
                await Task.Delay(TimeSpan.FromSeconds(holdS));
            }
            throw;
        }
        finally
        {
            foreach (var c in qmp.Values) await c.DisposeAsync();
            foreach (var n in bareNodes)
            {
                try
                {
                    await n.Hypervisor.StopAsync(VmId);
                }
                catch (Exception)
                {
                }
                await n.DisposeAsync();
            }
            if (member is not null) await member.DisposeAsync();
            HostProcesses.KillMentioning(root);
            if (Environment.GetEnvironmentVariable("AM_BENCH_KEEP") == "1") log.WriteLine($"kept {root}");
            else
                try
                {
                    Directory.Delete(root, true);
                }
                catch (IOException)
                {
                }
        }
    }

    private static string EngineSerialLog(string memberDir, string node) =>
        Path.Combine(memberDir, "run", node, "qemu", VmId.ToString(), "serial.log");

    /// <summary>
    /// Engine: POST migrate, then poll the task until it stopped. The phases come from the member's own log
    /// (millisecond timestamps of "Started", "Migrating", the completed event, "Resumed").
    /// </summary>
    private static async Task<Measured> EngineMigrateAsync(ChildMember m, string memberDir, string from, string to, int pollMs)
    {
        var logFile = Path.Combine(memberDir, "member.out");
        var logStart = new FileInfo(logFile).Length;
        var t0 = DateTime.Now;
        var cpu0 = m.CpuSeconds();
        var sw = Stopwatch.StartNew();
        (string, string)[] form = [("target", to), ("online", "1")];
        if (DiskMiB > 0) form = [.. form, ("with-local-disks", "1")];
        var upid = await m.PostAsync($"/nodes/{from}/qemu/{VmId}/migrate", form);
        // Polled gently (a tight poll loop would load the member during the migration); the end time comes from
        // the member's own log line "Workflow <upid> finished" below.
        var status = await m.WaitTaskAsync(upid, 200, TimeSpan.FromMinutes(5));
        sw.Stop();
        var cpu = m.CpuSeconds() - cpu0;
        var log = await m.TaskLogAsync(upid);
        Expect("OK", status, $"engine migration {from}→{to}:\n{string.Join('\n', log)}");
        var line = log.Single(l => l.Contains("average migration speed: "));
        var down = long.Parse(Regex.Match(line, @"downtime (\d+) ms").Groups[1].Value);

        string memberLog;
        using (var fs = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            fs.Position = logStart;
            memberLog = await new StreamReader(fs).ReadToEndAsync();
        }
        double At(string contains)
        {
            foreach (var l in memberLog.Split('\n'))
                if (l.Contains(contains) && TimeSpan.TryParseExact(l.Split(' ')[0], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var ts))
                    return (t0.Date + ts - t0).TotalSeconds;
            return double.NaN;
        }
        var started = At($"Started {VmId} on {to}:");
        var migrating = At($"Migrating {VmId} from {from} ");
        var completed = At($"QMP event MIGRATION of {VmId} on {from}: {{\"status\":\"completed\"}}");
        var resumed = At($"Resumed {VmId} on {to}");
        var finished = At($"Workflow {upid} finished");
        var total = double.IsNaN(finished) ? sw.Elapsed.TotalSeconds : finished;
        var (switchoverQmp, migrationQmp) = SwitchoverCommands.From(memberLog, VmId, from, upid);
        return new Measured($"{from}→{to}", total, down,
            new Phases(started, migrating - started, completed - migrating, resumed - completed, total - resumed), cpu,
            switchoverQmp, migrationQmp);
    }

    private static async Task WaitHeartbeatAsync(Func<string> log, int atLeast, bool requireProgress = false)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        var first = -1;
        while (true)
        {
            var beats = Regex.Matches(log(), @"^heartbeat (\d+)\r?$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();
            var max = beats.Count > 0 ? beats.Max() : -1;
            if (first < 0 && max >= 0) first = max;
            if (requireProgress ? max >= 0 && max >= first + atLeast : max >= atLeast) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("guest heartbeat did not advance: " + string.Join(' ', beats.TakeLast(5)));
            await Task.Delay(100);
        }
    }

    private static string ReadText(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(fs).ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    private static void Expect(string expected, string actual, string what)
    {
        if (expected != actual) throw new InvalidOperationException($"{what}: expected {expected}, got {actual}");
    }
}
