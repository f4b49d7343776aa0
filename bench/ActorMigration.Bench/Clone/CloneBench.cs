using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ActorMigration.Api.Setup;
using ActorMigration.Bench.Qemu;
using ActorMigration.Drivers.Qemu.GuestImage;
using ActorMigration.TestSupport;

namespace ActorMigration.Bench.Clone;

/// <summary>
/// Clones through the whole engine (REST API → workflow → QEMU storage driver → qemu-img), side by side with bare
/// qemu-img in the same run: linked clones of a 1 GiB and a 64 GiB template, and a full clone of a disk holding
/// random data against a bare <c>qemu-img convert</c> of the same image.
/// </summary>
public static class CloneBench
{
    public sealed record Round(double Linked1GiB, double Linked64GiB, double EngineFull, double BareFull);

    public sealed record Result(IReadOnlyList<Round> Rounds, long DataBytes, long VirtualBytes, string DataDir);

    private const long MiB = 1 << 20;

    /// <param name="baseDir">Where the member's data (storages) and the bare copy live; one file system for both sides.</param>
    public static async Task<Result> Run(int rounds, int dataMiB, string? baseDir = null)
    {
        var dataDir = baseDir is null
            ? Directory.CreateTempSubdirectory("am-bench-clone-").FullName
            : Directory.CreateDirectory(Path.Combine(baseDir, $"am-bench-clone-{Guid.NewGuid():N}"[..23])).FullName;
        var guest = await GuestImageBuilder.EnsureBuiltAsync(FindGuestDir(), GuestImageBuilder.FindRepoRoot());
        var port = ChildMember.FreePort();
        var env = new Dictionary<string, string?>
        {
            ["AM_DATA_DIR"] = dataDir,
            ["AM_DRIVER"] = "qemu",
            ["AM_TEST_KERNEL"] = guest,
            ["AM_NODES"] = "node1",
            ["AM_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["AM_API_PORT"] = ChildMember.FreePort().ToString(CultureInfo.InvariantCulture),
            ["AM_AUTH_FAIL_DELAY_MS"] = "0",
            ["AM_POLL_MS"] = "100",
        };
        var app = ServerHost.Build(ServerSettings.Load([], env));
        await app.StartAsync();
        try
        {
            var api = new Api(port, File.ReadAllText(Path.Combine(dataDir, DataDirectory.TokenFile)).Trim());
            await api.WaitOnline();
            var images = Path.Combine(dataDir, "nodes", "node1", "local", "images");

            // Templates with 1 GiB and 64 GiB virtual disks (a little data each).
            foreach (var (vmid, gib) in new[] { (9001, 1), (9064, 64) })
            {
                await api.Wait(api.Post("/nodes/node1/qemu", ("vmid", $"{vmid}"), ("memory", "128"), ("scsi0", $"local:{gib}")));
                await Exec("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 16M", Path.Combine(images, $"{vmid}", $"vm-{vmid}-disk-0.qcow2"));
                await api.Wait(api.Post($"/nodes/node1/qemu/{vmid}/template"));
            }

            // The full-clone source: a raw disk whose first dataMiB hold random data (no holes, nothing to skip).
            const int source = 100;
            var virtualGiB = Math.Max(1, (int)Math.Ceiling((dataMiB + 256) / 1024.0));
            await api.Wait(api.Post("/nodes/node1/qemu", ("vmid", $"{source}"), ("memory", "128"), ("scsi0", $"local:{virtualGiB},format=raw")));
            var sourceFile = Path.Combine(images, $"{source}", $"vm-{source}-disk-0.raw");
            QemuHost.FillRandom(sourceFile, dataMiB * MiB);
            var bareOut = Path.Combine(dataDir, "bare.raw");

            // Warm-up (page cache, JIT): one of each, not counted.
            await LinkedClone(api, 9001, 200);
            await api.Wait(api.Delete("/nodes/node1/qemu/200"));
            await FullClone(api, source, 201);
            await api.Wait(api.Delete("/nodes/node1/qemu/201"));
            await Bare(sourceFile, bareOut);
            File.Delete(bareOut);

            var results = new List<Round>();
            var next = 300;
            for (var i = 0; i < rounds; i++)
            {
                // A-B-B-A inside each round: drift and "who runs second" effects cancel in the pair means.
                var l1a = await LinkedClone(api, 9001, next++);
                var l64a = await LinkedClone(api, 9064, next++);
                var l64b = await LinkedClone(api, 9064, next++);
                var l1b = await LinkedClone(api, 9001, next++);
                // Each copy's output is removed right after it is timed, so every copy starts from the same state:
                // on this VM, writing into memory that was not just freed (page cache, tmpfs) costs several times more.
                // Odd rounds E-B-B-E, even rounds B-E-E-B: each side gets the first slot of a round equally often.
                async Task<double> Engine()
                {
                    var t = await FullClone(api, source, next);
                    await api.Wait(api.Delete($"/nodes/node1/qemu/{next++}"));
                    return t;
                }
                async Task<double> Plain()
                {
                    var t = await Bare(sourceFile, bareOut);
                    File.Delete(bareOut);
                    return t;
                }
                double ea, eb, ba, bb;
                if (i % 2 == 0)
                {
                    ea = await Engine();
                    ba = await Plain();
                    bb = await Plain();
                    eb = await Engine();
                }
                else
                {
                    ba = await Plain();
                    ea = await Engine();
                    eb = await Engine();
                    bb = await Plain();
                }
                for (var id = next - 6; id < next - 2; id++) await api.Wait(api.Delete($"/nodes/node1/qemu/{id}"));
                var round = new Round((l1a + l1b) / 2, (l64a + l64b) / 2, (ea + eb) / 2, (ba + bb) / 2);
                results.Add(round);
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "round {0}: linked 1 GiB {1:F3}/{2:F3}s, linked 64 GiB {3:F3}/{4:F3}s, engine full {5:F2}/{6:F2}s, bare convert {7:F2}/{8:F2}s",
                    i + 1, l1a, l1b, l64a, l64b, ea, eb, ba, bb));
            }
            return new Result(results, dataMiB * MiB, virtualGiB * 1024 * MiB, dataDir);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }
    }

    /// <summary>Seconds from the POST to the task's end, for a linked clone of a template.</summary>
    private static async Task<double> LinkedClone(Api api, int template, int newid)
    {
        await Settle();
        var sw = Stopwatch.StartNew();
        await api.Wait(api.Post($"/nodes/node1/qemu/{template}/clone", ("newid", $"{newid}")));
        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> FullClone(Api api, int vmid, int newid)
    {
        await Settle();
        var sw = Stopwatch.StartNew();
        await api.Wait(api.Post($"/nodes/node1/qemu/{vmid}/clone", ("newid", $"{newid}"), ("full", "1")));
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>The same qemu-img convert the engine runs for a stopped raw disk.</summary>
    private static async Task<double> Bare(string src, string dst)
    {
        await Settle();
        var sw = Stopwatch.StartNew();
        await Exec("qemu-img", "convert", "-p", "-f", "raw", "-O", "raw", src, dst);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Every measurement starts with no dirty pages of an earlier one still being written back.</summary>
    private static async Task Settle()
    {
        await Exec("sync");
        await Task.Delay(int.TryParse(Environment.GetEnvironmentVariable("AM_BENCH_SETTLE_MS"), out var ms) ? ms : 500);
    }

    private static async Task Exec(string file, params string[] args)
    {
        var (exit, o, e) = await QemuHost.Run(file, args);
        if (exit != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {e}{o}");
    }

    private static string? FindGuestDir() =>
        GuestImageBuilder.FindRepoRoot() is { } root ? Path.Combine(root, ".build", "guest") : null;

    /// <summary>Just enough of the Proxmox API: form posts with the token, task polling every 10 ms.</summary>
    private sealed class Api(int port, string token)
    {
        private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };

        private HttpRequestMessage Req(HttpMethod m, string path, (string, string)[]? form = null)
        {
            var r = new HttpRequestMessage(m, "/api2/json" + path);
            r.Headers.TryAddWithoutValidation("Authorization", $"PVEAPIToken={token}");
            if (form is not null) r.Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
            return r;
        }

        private async Task<JsonNode?> Send(HttpRequestMessage r)
        {
            using var resp = await _http.SendAsync(r);
            var body = await resp.Content.ReadAsStringAsync();
            if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"{r.Method} {r.RequestUri}: {(int)resp.StatusCode} {body}");
            return JsonNode.Parse(body)?["data"];
        }

        public Task<JsonNode?> Post(string path, params (string, string)[] form) => Send(Req(HttpMethod.Post, path, form));
        public Task<JsonNode?> Delete(string path) => Send(Req(HttpMethod.Delete, path));

        public async Task WaitOnline()
        {
            for (var i = 0; i < 300; i++)
            {
                try
                {
                    if ((await Send(Req(HttpMethod.Get, "/nodes")))?.ToJsonString().Contains("online") == true) return;
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
                {
                }
                await Task.Delay(100);
            }
            throw new TimeoutException("member not online");
        }

        /// <summary>Waits for the task a call started; throws unless it ended OK.</summary>
        public async Task Wait(Task<JsonNode?> call)
        {
            var upid = (await call)!.GetValue<string>();
            var node = upid.Split(':')[1];
            while (true)
            {
                var s = await Send(Req(HttpMethod.Get, $"/nodes/{node}/tasks/{upid}/status"));
                if (s?["status"]?.ToString() == "stopped")
                {
                    var exit = s["exitstatus"]?.ToString();
                    if (exit != "OK") throw new InvalidOperationException($"task {upid} ended '{exit}'");
                    return;
                }
                await Task.Delay(10);
            }
        }
    }
}
