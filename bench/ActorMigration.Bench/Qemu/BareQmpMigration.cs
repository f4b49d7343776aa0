using System.Diagnostics;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Node;
using ActorMigration.Drivers.Qemu.Qmp;

namespace ActorMigration.Bench.Qemu;

/// <summary>The qemu-live bench's bare side: the same live migration with QMP only (no engine).</summary>
internal static class BareQmpMigration
{
    private const long UnlimitedBandwidth = 16L << 30; // QemuDriverOptions.UnlimitedBandwidthBytesPerSec
    private const int VmId = QemuLiveBench.VmId;
    private static readonly bool RamStats = Environment.GetEnvironmentVariable("AM_BENCH_RAMSTATS") == "1";

    /// <summary>
    /// Bare QMP: spawn the incoming target (driver start = the same command line, with the TLS server credentials),
    /// then migrate with QMP only, over TLS like the engine, and stop the source.
    /// </summary>
    public static async Task<Measured> MigrateAsync(QemuNodeDriver from, QemuNodeDriver to, VmLaunchSpec spec,
        Dictionary<string, QmpClient> qmp, int pollMs, QemuTls tls)
    {
        var srcFiles = from.Qemu.FilesOf(VmId);
        var srcPid = int.Parse(File.ReadAllText(srcFiles.PidFile).Trim());
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var dst = await to.Hypervisor.StartAsync(spec with { Incoming = new IncomingSpec("127.0.0.1", []) });
        // From here on only our own QMP connections: the driver lets go of its (QEMU serves one client per socket).
        await to.DisposeAsync();
        await from.DisposeAsync();
        var spawn = sw.Elapsed.TotalSeconds;
        var sq = await Connect(qmp, srcFiles.QmpSocket);
        var dq = await Connect(qmp, to.Qemu.FilesOf(VmId).QmpSocket);
        await sq.ExecuteAsync("migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(
                new JsonObject { ["capability"] = "events", ["state"] = true },
                new JsonObject { ["capability"] = "auto-converge", ["state"] = true })
        });
        // The client credentials once per source QEMU (a guest that came back has them from its earlier round).
        try
        {
            await sq.ExecuteAsync("object-add", new JsonObject
            {
                ["qom-type"] = "tls-creds-x509", ["id"] = QemuTls.ClientId, ["endpoint"] = "client", ["dir"] = tls.Dir, ["verify-peer"] = true,
            });
        }
        catch (QmpException e) when (e.Desc.Contains("duplicate", StringComparison.OrdinalIgnoreCase))
        {
        }
        var parameters = new JsonObject
        {
            ["downtime-limit"] = QemuLiveBench.DowntimeLimitMs,
            ["max-bandwidth"] = UnlimitedBandwidth
        };
        tls.AddMigrationParameters(parameters);
        await sq.ExecuteAsync("migrate-set-parameters", parameters);
        // Like the engine: wait for QEMU's MIGRATION event that ends it, polling query-migrate meanwhile.
        using var events = sq.Subscribe();
        var ended = events.WaitAsync(e => e.Name == "MIGRATION" && e.Data?["status"]?.GetValue<string>() is "completed" or "failed" or "cancelled",
            TimeSpan.FromMinutes(5));
        await sq.ExecuteAsync("migrate", new JsonObject { ["uri"] = dst.IncomingUri });
        var setup = sw.Elapsed.TotalSeconds;
        JsonNode? q;
        while (true)
        {
            q = await sq.ExecuteAsync("query-migrate");
            var status = q?["status"]?.GetValue<string>();
            // "completed" with RAM figures is this migration's (an incoming one has none); QEMU sets it a moment
            // before it computes total-time and downtime, so ask again until they are there (as the driver does).
            if (status == "completed" && q?["ram"] is not null)
            {
                if ((q["total-time"]?.GetValue<long>() ?? 0) > 0) break;
                await Task.Delay(1);
                continue;
            }
            if (status is "failed" or "cancelled") throw new InvalidOperationException($"bare migration {status}: {q?.ToJsonString()}");
            await Task.WhenAny(ended, Task.Delay(pollMs));
        }
        var migrated = sw.Elapsed.TotalSeconds;
        if (RamStats)
            Console.Error.WriteLine($"bare ram: {q!["ram"]?.ToJsonString()} total-time {q["total-time"]} setup-time {q["setup-time"]}");
        await dq.ExecuteAsync("cont");
        var resumed = sw.Elapsed.TotalSeconds;
        try
        {
            await sq.ExecuteAsync("quit");
        }
        catch (IOException)
        {
            // QEMU may close the socket before its answer arrives.
        }
        while (HostProcesses.IsAlive(srcPid)) await Task.Delay(5);
        sw.Stop();
        qmp.Remove(srcFiles.QmpSocket);
        await sq.DisposeAsync();
        var total = sw.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        return new Measured($"{from.Settings.Node}→{to.Settings.Node}", total, q!["downtime"]?.GetValue<long>() ?? -1,
            new Phases(spawn, setup - spawn, migrated - setup, resumed - migrated, total - resumed), cpu);
    }

    private static async Task<QmpClient> Connect(Dictionary<string, QmpClient> qmp, string socket)
    {
        if (qmp.TryGetValue(socket, out var c) && c.IsConnected) return c;
        c = await QmpClient.ConnectAsync(socket, TimeSpan.FromSeconds(10));
        qmp[socket] = c;
        return c;
    }

    /// <summary>The two source command lines with the run dirs taken out: "identical" or the differences.</summary>
    public static string CompareCommandLines(string engineMeta, string bareMeta)
    {
        static List<string> Norm(string meta)
        {
            var m = VmMetadata.Read(meta) ?? throw new InvalidOperationException($"no {meta}");
            var runDir = Path.GetDirectoryName(meta)!;
            return m.CommandLine.Select(a => a.Replace(runDir, "<run>")).ToList();
        }
        var a = Norm(engineMeta);
        var b = Norm(bareMeta);
        if (a.SequenceEqual(b)) return $"engine and bare sources identical ({a.Count} args, run dir aside)";
        var diff = a.Except(b).Select(x => "engine: " + x).Concat(b.Except(a).Select(x => "bare: " + x));
        return "DIFFER: " + string.Join("; ", diff);
    }
}
