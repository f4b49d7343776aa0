using System.Diagnostics;
using System.Globalization;
using Serilog;

namespace ActorMigration.Bench.Fuzz;

/// <summary>fuzz [requests] [seed] [hang seconds] [deep OVF levels] [sparse MiB]</summary>
internal sealed record FuzzOptions(int Requests = 3000, int Seed = 1, int HangSeconds = 10, int DeepOvfLevels = 100_000, int SparseMiB = 1536)
{
    public const double SlowSeconds = 1.0;

    public static FuzzOptions Parse(string[] args)
    {
        int Arg(int i, int def) => args.Length > i && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : def;
        var d = new FuzzOptions();
        return new FuzzOptions(Arg(1, d.Requests), Arg(2, d.Seed), Arg(3, d.HangSeconds), Arg(4, d.DeepOvfLevels), Arg(5, d.SparseMiB));
    }
}

/// <summary>
/// The fuzzing pass: a member with the simulated driver, reference VMs and hostile files, then a seeded random
/// stream of requests over every mapped route, then every hostile file and the issue's reproductions once. Each
/// answer is classified; each refusal is checked for state changes; listings are checked after each request.
/// The seed fixes the generator's choices; values read from the live member (UPIDs, digests, VM ids) and the
/// draws skipped after slow answers make two runs with one seed differ a little.
/// </summary>
internal sealed class FuzzBench(FuzzOptions o)
{
    private readonly Random _rng = new(o.Seed);
    private readonly World _world = new();
    private readonly FuzzReport _r = new(o);
    private readonly Dictionary<string, int> _trouble = new();
    private readonly HashSet<string> _skip = new();
    private string _root = "";
    private int _generation;
    private int _index;
    private FuzzMember _m = null!;
    private StateProbe _probe = null!;
    private HostileFiles _files = null!;
    private StateSnapshot _last = null!;
    private IReadOnlyList<RouteInfo> _routes = [];
    private readonly bool _trace = Environment.GetEnvironmentVariable("AM_FUZZ_TRACE") == "1";
    private (int Index, string Route, string Request, string Answer)? _hung;

    public static async Task<int> RunAndPrint(string[] args)
    {
        // AM_FUZZ_LOG=<file>: the member's warnings (with exception stacks) go there; AM_FUZZ_TRACE=1: one line per input.
        if (Environment.GetEnvironmentVariable("AM_FUZZ_LOG") is { Length: > 0 } log)
            Log.Logger = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.File(log).CreateLogger();
        // Akka logs to standard output; only the report goes there.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        var report = await new FuzzBench(FuzzOptions.Parse(args)).Run();
        report.Print(stdout);
        stdout.Flush();
        return report.Failed ? 1 : 0;
    }

    public async Task<FuzzReport> Run()
    {
        var sw = Stopwatch.StartNew();
        _root = Directory.CreateTempSubdirectory("am-fuzz-").FullName;
        try
        {
            await StartWorld();
            _routes = _m.Routes();
            _r.RoutesMapped = _routes.Count(r => r.Method != "*");
            _r.Uncatalogued.AddRange(_routes.Where(r => r.Method != "*" && !ParamCatalog.Routes.ContainsKey(r.Key)).Select(r => r.Key));
            var gen = new RequestGen(_rng, _world, _routes);
            while (_r.RandomInputs < o.Requests)
            {
                var d = gen.Next();
                if (_skip.Contains(SkipKey(d)))
                {
                    _r.Skipped++;
                    continue;
                }
                _r.RandomInputs++;
                await Guarded(d);
                if (_r.RandomInputs % 50 == 0)
                {
                    Console.Error.WriteLine($"{_r.RandomInputs}/{o.Requests} inputs, {sw.Elapsed.TotalSeconds:F0} s");
                    await FullCheck();
                    await Housekeeping();
                }
            }
            await Reset("fresh fixture for the hostile-file pass", counted: false);
            foreach (var d in HostilePass.Drafts(_routes, _world))
            {
                _r.FileInputs++;
                // Files placed or removed around an input are the fuzzer's doing: the snapshots are taken after them.
                if (d.Setup is { } setup)
                {
                    setup(_m.DataDir);
                    _last = await _probe.Take();
                }
                await Guarded(d);
                if (d.Teardown is { } teardown)
                {
                    teardown(_m.DataDir);
                    _last = await _probe.Take();
                }
            }
            await FullCheck(final: true);
            CheckDecoys("end of run");
        }
        finally
        {
            _r.Duration = sw.Elapsed;
            await _m.DisposeAsync();
            try
            {
                Directory.Delete(_root, true);
            }
            catch (IOException)
            {
            }
        }
        return _r;
    }

    private async Task StartWorld()
    {
        var dir = Path.Combine(_root, $"member-{_generation++}");
        _m = await FuzzMember.StartAsync(dir);
        _world.Clear();
        _world.ValidBackup = await Fixture.Create(_m, _world);
        _world.FixtureIds.UnionWith(Fixture.Ids);
        _files = HostileFiles.Create(dir, Path.Combine(_root, "outside"), _world.ValidBackup, o);
        _probe = new StateProbe(_m);
        _last = await Settle();
    }

    private async Task Reset(string reason, bool counted = true)
    {
        if (counted) _r.Resets.Add(reason);
        Console.Error.WriteLine($"fresh member: {reason}");
        CheckDecoys(reason);
        _files.WakeFifos();
        await _m.DisposeAsync();
        try
        {
            Directory.Delete(_m.DataDir, true);
        }
        catch (IOException)
        {
        }
        await StartWorld();
    }

    private string[] HostPaths => [_root, Path.GetTempPath().TrimEnd('/') + "/am-"];

    private static string SkipKey(Draft d) =>
        d.Route.Key + "|" + (d.Tags & (Tag.Offline | Tag.Fifo | Tag.Symlink | Tag.Deep | Tag.Units | Tag.Sparse | Tag.Missing | Tag.WrongNode));

    /// <summary>An input whose checking itself failed is reported, and the run goes on with a fresh member.</summary>
    private async Task Guarded(Draft d)
    {
        try
        {
            await Exercise(d);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _r.Add("fuzzer could not check an input", d.Route.Key, Classifier.Normalize(e.GetType().Name + ": " + e.Message), _index,
                Describe.Request(d), "", e.StackTrace?.Split('\n').FirstOrDefault()?.Trim());
            await Reset("the fuzzer could not check an input");
        }
    }

    private async Task Exercise(Draft d)
    {
        var index = ++_index;
        var sw = Stopwatch.StartNew();
        var described = Describe.Request(d);
        var route = d.Route.Method == "*" ? "(unmapped path)" : d.Route.Key;
        var before = _last;
        if (_trace) Console.Error.WriteLine($"#{index} -> {described}");
        var send = _m.Send(Describe.Encode(d, _m), TimeSpan.FromSeconds(o.HangSeconds));
        string? starved = null;
        if (await Task.WhenAny(send, Task.Delay(2000)) != send) starved = await ProbeNodes();
        var a = await send;
        var (cls, why) = Classifier.Classify(a, HostPaths);
        _r.Count(route, cls, a.Elapsed.TotalSeconds);
        var answer = FuzzMember.Status(a) + (a.Message is { } msg ? $": {msg}" : "")
            + string.Format(CultureInfo.InvariantCulture, " ({0:F2} s)", a.Elapsed.TotalSeconds);
        void Add(string kind, string key, string? detail = null) => _r.Add(kind, route, key, index, described, answer, detail);

        if (starved is not null) Add("node starved", starved);
        if (a.Elapsed.TotalSeconds > FuzzOptions.SlowSeconds && !a.Hung) Add("slow answer", $"tags {d.Tags}");
        switch (cls)
        {
            case AnswerClass.Unexplained500: Add("unexplained 500", $"{why}: {Classifier.Normalize(a.Message)}"); break;
            case AnswerClass.BadRequestWithErrors when why is not null: Add("exception text in a 400", why); break;
            case AnswerClass.BadRequestOther: Add("400 without errors map", Classifier.Normalize(a.Reason)); break;
            case AnswerClass.OtherStatus: Add("other status", $"{a.Status} {a.Reason}"); break;
            case AnswerClass.Hang: Add("hang", $"tags {d.Tags}"); break;
            case AnswerClass.ConnectionClosed: Add("no readable answer", Classifier.Normalize(a.Reason)); break;
        }

        string? exit = null;
        if (cls == AnswerClass.Ok)
        {
            _r.Accepted++;
            if (a.DataString is { } upid && FuzzMember.IsUpid(upid))
            {
                _world.AddUpid(upid);
                exit = await WaitTask(upid, Add);
                if (exit is null) Add("task never ended", "still running after 60 s");
                else if (exit != "OK" && !exit.StartsWith("WARNINGS", StringComparison.Ordinal))
                {
                    Add("accepted, task failed", Classifier.Normalize(exit));
                    if (Classifier.Leak(exit, HostPaths) is { } leak) Add("exception text in a task status", $"{leak}: {Classifier.Normalize(exit)}");
                }
            }
            if (d.MustRefuse.Count > 0) Add("accepted hostile input", Classifier.Normalize(d.MustRefuse[0]), exit is null ? null : $"task: {exit}");
        }
        else if (cls != AnswerClass.Hang) _r.Refusals++;

        if (cls is AnswerClass.Hang or AnswerClass.ConnectionClosed) await Recover(route);
        var after = cls == AnswerClass.Hang ? await Settle(stable: 2, max: 20) : cls == AnswerClass.Ok ? await Settle() : await _probe.Take();
        if (_hung is { } h && index - h.Index > 5) _hung = null;
        if (cls is not (AnswerClass.Ok or AnswerClass.Hang))
        {
            _r.RefusalsChecked++;
            if (_probe.Diff(before, after) is { Count: > 0 } diff)
            {
                var what = Classifier.Normalize(diff[0].Split(':')[0]);
                // The work of a request the client gave up on may go on: a change soon after a hang is that request's.
                if (_hung is { } hung) _r.Add("state change after a hang", hung.Route, what, hung.Index, hung.Request, hung.Answer,
                    $"seen after input #{index}: " + string.Join("; ", diff.Take(6)));
                else Add("state change on a refusal", what, string.Join("; ", diff.Take(6)));
            }
        }
        else if (cls == AnswerClass.Hang && _probe.Diff(before, after) is { Count: > 0 } late)
            Add("state change after a hang", Classifier.Normalize(late[0].Split(':')[0]), string.Join("; ", late.Take(6)));
        if (cls == AnswerClass.Hang) _hung = (index, route, described, answer);
        _last = after;
        _world.Update(after);
        foreach (var id in _probe.Unresponsive) Add("VM record unresponsive", $"VM {id} did not answer a read in 10 s");

        var trouble = a.Hung || a.Elapsed.TotalSeconds > 2;
        var broken = await Listings(d);
        if (broken.Count > 0) Add("listing broken", broken[0], string.Join("; ", broken.Skip(1).Take(4)));
        if (_trace) Console.Error.WriteLine($"#{index} {cls} {answer} | exit {exit} | total {sw.Elapsed.TotalSeconds:F2} s | {described}");
        if (cls is AnswerClass.Hang) CheckDecoys(described);
        if (broken.Count > 0) await Reset("a listing broke");
        else if (_probe.Unresponsive.Count > 0) await Reset("a VM record stopped answering");
        else if (after.Vms.Values.Any(v => v.Exists && v.Node == FuzzMember.Offline)) await Reset("a VM was placed on the offline node");
        if (trouble || broken.Count > 0)
        {
            var key = SkipKey(d);
            if ((_trouble[key] = _trouble.GetValueOrDefault(key) + 1) >= 2 && d.Phase == "random") _skip.Add(key);
        }
    }

    /// <summary>
    /// Waits for a task's end (60 s at most). A task still running after 3 s: are the nodes still answering? After 5 s
    /// readers blocked on our FIFOs are woken (a blocked task is a hang, reported).
    /// </summary>
    private async Task<string?> WaitTask(string upid, Action<string, string, string?> add)
    {
        var sw = Stopwatch.StartNew();
        var probed = false;
        var woke = false;
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            var exit = await _m.WaitTask(upid, TimeSpan.FromSeconds(1));
            if (exit is not null) return exit;
            if (!probed && sw.Elapsed > TimeSpan.FromSeconds(3))
            {
                probed = true;
                if (await ProbeNodes() is { } starved) add("node starved", $"while a task ran: {starved}", null);
            }
            if (!woke && sw.Elapsed > TimeSpan.FromSeconds(5) && _files.WakeFifos() > 0)
            {
                woke = true;
                add("hang", "a task blocked on a FIFO until it was written to", upid);
            }
        }
        return null;
    }

    /// <summary>While a request hangs: do the hosted nodes still answer their status within 3 s?</summary>
    private async Task<string?> ProbeNodes()
    {
        var probes = FuzzMember.Hosted.Select(async n => (n, a: await _m.Get($"/nodes/{n}/status", 3))).ToList();
        var bad = (await Task.WhenAll(probes)).Where(x => x.a.Status != 200).Select(x => $"{x.n}: {FuzzMember.Status(x.a)}").ToList();
        return bad.Count == 0 ? null : string.Join(", ", bad);
    }

    /// <summary>After a hang: wakes readers blocked on our FIFOs until every node answers again, else starts afresh.</summary>
    private async Task Recover(string route)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(40))
        {
            _files.WakeFifos();
            if (await ProbeNodes() is null) return;
            await Task.Delay(500);
        }
        await Reset($"nodes still blocked 40 s after a hang of {route}");
    }

    /// <summary>A snapshot once nothing changed for <paramref name="stable"/> seconds (tasks and their last writes done).</summary>
    private async Task<StateSnapshot> Settle(double stable = 0.05, double max = 3)
    {
        var s = await _probe.Take();
        var calm = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < max && _probe.Unresponsive.Count == 0)
        {
            await Task.Delay(50);
            var next = await _probe.Take();
            if (_probe.Diff(s, next).Count > 0) calm.Restart();
            else if (calm.Elapsed.TotalSeconds >= stable) return next;
            s = next;
        }
        return s;
    }

    /// <summary>The listings a client relies on; what does not answer 200. Quick: those the request touched.</summary>
    private async Task<List<string>> Listings(Draft? d, bool final = false)
    {
        _r.ListingChecks++;
        // Full /cluster/resources asks every node for its facts, the offline one too (2 s): only in the periodic check.
        var paths = new List<string> { d is null ? "/cluster/resources" : "/cluster/resources?type=vm" };
        var nodes = d is null ? FuzzMember.Hosted.ToList()
            : d.PathValues.TryGetValue("node", out var n) && FuzzMember.Hosted.Contains(n.Text) ? [n.Text] : [];
        if (final) nodes.Add(FuzzMember.Offline);
        paths.AddRange(nodes.Select(x => $"/nodes/{x}/qemu"));
        var vms = _last.Vms.Values.Where(v => v.Exists && FuzzMember.Hosted.Contains(v.Node!));
        if (d is not null)
            vms = vms.Where(v => d.PathValues.TryGetValue("vmid", out var id) && id.Text == v.VmId.ToString(CultureInfo.InvariantCulture)
                                 || d.Params.Any(p => p.Key is "vmid" or "newid" && p.Value.Text == v.VmId.ToString(CultureInfo.InvariantCulture)));
        foreach (var v in vms) paths.AddRange([$"/nodes/{v.Node}/qemu/{v.VmId}/config", $"/nodes/{v.Node}/qemu/{v.VmId}/status/current"]);
        var broken = new List<string>();
        foreach (var p in paths)
        {
            var a = await _m.Get(p, o.HangSeconds);
            if (a.Status != 200)
                broken.Add($"GET {Classifier.Normalize(p)} -> {FuzzMember.Status(a)}{(a.Message is { } m ? ": " + Classifier.Normalize(m) : "")}");
        }
        return broken;
    }

    private async Task FullCheck(bool final = false)
    {
        var broken = await Listings(null, final);
        if (broken.Count == 0) return;
        _r.Add("listing broken", "(periodic check)", broken[0], _index, "(after input #" + _index + ")", string.Join("; ", broken.Skip(1).Take(4)));
        if (!final) await Reset("a listing broke (periodic check)");
    }

    /// <summary>Keeps the population useful: brings back destroyed reference VMs, destroys surplus ones.</summary>
    private async Task Housekeeping()
    {
        foreach (var id in Fixture.Ids.Where(id => _world.Vms.All(v => v.VmId != id))) await Fixture.Restore(_m, id);
        foreach (var v in _world.Vms.Where(v => !_world.FixtureIds.Contains(v.VmId) && FuzzMember.Hosted.Contains(v.Node)).Skip(20).ToList())
        {
            await _m.Call(HttpMethod.Post, $"/nodes/{v.Node}/qemu/{v.VmId}/status/stop");
            await Task.Delay(200);
            var a = await _m.Call(HttpMethod.Delete, $"/nodes/{v.Node}/qemu/{v.VmId}?purge=1");
            if (FuzzMember.IsUpid(a.DataString)) await _m.WaitTask(a.DataString!, TimeSpan.FromSeconds(30));
        }
        _last = await Settle();
        _world.Update(_last);
    }

    private void CheckDecoys(string when)
    {
        if (_files?.DecoyChanges() is { } changed) _r.Add("decoy modified", "(outside the data dir)", changed, _index, when, "");
    }
}
