namespace ActorMigration.TestSupport;

/// <summary>
/// Three members m1..m3 hosting node1..node3 on one PostgreSQL journal, the simulated driver, every member listed as a
/// seed (m1 first), the cluster CA created by m1 and copied by the others. Members are indexed 0..2.
/// </summary>
public sealed class ThreeMembers : IAsyncDisposable
{
    public static readonly string[] Nodes = ["node1", "node2", "node3"];

    public string Pg { get; }
    public IReadOnlyList<MemberProcess> Members { get; }

    public MemberProcess this[int i] => Members[i];

    private ThreeMembers(string pg, IReadOnlyList<MemberProcess> members)
    {
        Pg = pg;
        Members = members;
    }

    /// <summary>
    /// Starts m1 (it creates the CA), then m2, then m3, and waits until m1 sees all three nodes online.
    /// <paramref name="sharedStorage"/>: every member's storage <c>shared</c> is that one directory (as on a real cluster).
    /// <paramref name="env"/> goes to every member, <paramref name="memberEnv"/>[i] (if any) to member i only.
    /// </summary>
    public static async Task<ThreeMembers> StartAsync(string speed = "20", IDictionary<string, string>? env = null,
        string? sharedStorage = null, IReadOnlyList<IDictionary<string, string>?>? memberEnv = null)
    {
        var pg = await Postgres.NewDatabaseAsync();
        var ports = Nodes.Select(_ => Repo.FreePort()).ToArray();
        var seeds = string.Join(",", ports.Select(p => $"akka.ssl.tcp://actormigration@127.0.0.1:{p}"));
        var members = Nodes.Select((node, i) =>
        {
            var m = new MemberProcess(new Dictionary<string, string>
            {
                ["AM_NODES"] = node,
                ["AM_CLUSTER_NODES"] = string.Join(",", Nodes),
                ["AM_PERSISTENCE"] = "postgres",
                ["AM_PG_CONNECTION"] = pg,
                ["AM_AKKA_PORT"] = ports[i].ToString(),
                ["AM_SEED_NODES"] = seeds,
                ["AM_SIM_SPEED_FACTOR"] = speed,
            }, $"am-m{i + 1}");
            foreach (var (k, v) in env ?? new Dictionary<string, string>()) m.SetEnv(k, v);
            foreach (var (k, v) in memberEnv?.ElementAtOrDefault(i) ?? new Dictionary<string, string>()) m.SetEnv(k, v);
            if (sharedStorage is not null) SharedStorage.Write(m.DataDir, sharedStorage);
            return m;
        }).ToList();
        var three = new ThreeMembers(pg, members);
        try
        {
            await members[0].StartAsync();
            members[1].UseClusterCaOf(members[0]);
            members[2].UseClusterCaOf(members[0]);
            // One after the other: two members starting at once on a busy machine can time out their journal setup.
            await members[1].StartAsync();
            await members[2].StartAsync();
            await three.WaitOnlineAsync(members[0], Nodes);
            return three;
        }
        catch
        {
            await three.DisposeAsync();
            throw;
        }
    }

    public MemberProcess Hosting(string node) => Members[Array.IndexOf(Nodes, node)];

    /// <summary>
    /// Starts member <paramref name="i"/> again after it was killed, once every running member sees its node offline (downed)
    /// and some seconds later (they remove it 1 s after the downing): a new incarnation that joined while the old one was still
    /// listed (down, not yet removed) once left m3 alone: the new m1 and m2 lost each other and the split-brain resolver downed
    /// both as indirectly connected (2026-12-05; main's RejoinGuard, 1ef0177, delays such a rejoin in the member itself).
    /// </summary>
    public async Task RestartAsync(int i)
    {
        var node = Nodes[i];
        foreach (var survivor in Members.Where(m => m.Pid is not null))
            await PveClient.Eventually(async () => !(await OnlineNodesAsync(survivor)).Contains(node),
                TimeSpan.FromSeconds(60), $"m{Members.ToList().IndexOf(survivor) + 1} sees {node} offline");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await Members[i].StartAsync();
    }

    /// <summary>
    /// The nodes <paramref name="viewer"/>'s <c>/cluster/status</c> shows online (the membership, as <c>/nodes</c> shows it,
    /// without waiting for the nodes' facts).
    /// </summary>
    public static async Task<IReadOnlyList<string>> OnlineNodesAsync(MemberProcess viewer)
    {
        var r = await viewer.Client.Get("/cluster/status");
        if (r.Status != System.Net.HttpStatusCode.OK) return [];
        return [.. r.Data!.AsArray().Where(n => n!["type"]?.GetValue<string>() == "node" && n["online"]?.GetValue<int>() == 1)
            .Select(n => n!["name"]!.GetValue<string>()).Order()];
    }

    /// <summary>Waits until <paramref name="viewer"/> sees exactly <paramref name="nodes"/> online.</summary>
    public async Task WaitOnlineAsync(MemberProcess viewer, IEnumerable<string> nodes, TimeSpan? timeout = null)
    {
        var want = nodes.Order().ToList();
        IReadOnlyList<string> seen = [];
        try
        {
            await PveClient.Eventually(async () =>
            {
                try
                {
                    seen = await OnlineNodesAsync(viewer);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                return seen.SequenceEqual(want);
            }, timeout ?? TimeSpan.FromSeconds(60), $"m{Members.ToList().IndexOf(viewer) + 1} sees {string.Join(",", want)} online");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; it sees {string.Join(",", seen)}", e);
        }
    }

    /// <summary>
    /// The running member that runs the workflow of <paramref name="upid"/> now: the last of its current output's lines
    /// that start the workflow or resume it after recovery. Null when none does (yet).
    /// </summary>
    public MemberProcess? WorkflowMember(string upid) =>
        Members.Where(m => m.Pid is not null)
            .Select(m => (m, at: LastWorkflowLine(m.ReadLog(), upid)))
            .Where(x => x.at >= 0)
            .OrderByDescending(x => x.at)
            .Select(x => x.m)
            .FirstOrDefault();

    /// <summary>Waits until some member runs the workflow of <paramref name="upid"/>.</summary>
    public async Task<MemberProcess> WaitWorkflowMemberAsync(string upid, TimeSpan? timeout = null)
    {
        await PveClient.Eventually(() => Task.FromResult(WorkflowMember(upid) is not null), timeout ?? TimeSpan.FromSeconds(30),
            $"a member runs {upid}");
        return WorkflowMember(upid)!;
    }

    /// <summary>The time of day (as logged, HH:mm:ss.fff) of the last start or resume line of the workflow, or -1.</summary>
    private static int LastWorkflowLine(string log, string upid)
    {
        var lines = log.Split('\n');
        for (var i = lines.Length - 1; i >= 0; i--)
            if (lines[i].Contains(upid, StringComparison.Ordinal)
                && (lines[i].Contains("starts on this member", StringComparison.Ordinal)
                    || lines[i].Contains("recovered in phase", StringComparison.Ordinal)))
                return TimeOfDayMs(lines[i]);
        return -1;
    }

    private static int TimeOfDayMs(string line) =>
        TimeSpan.TryParseExact(line.Length >= 12 ? line[..12] : "", @"hh\:mm\:ss\.fff", null, out var t) ? (int)t.TotalMilliseconds : 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Members)
        {
            if (m.Pid is not null)
            {
                try
                {
                    m.Continue();
                }
                catch (InvalidOperationException)
                {
                }
            }
            if (Environment.GetEnvironmentVariable("AM_TEST_KEEP_LOGS") is { Length: > 0 } keep)
                CopyLogs(m, Path.Combine(keep, $"m{Members.ToList().IndexOf(m) + 1}"));
            await m.DisposeAsync();
        }
    }

    private static void CopyLogs(MemberProcess m, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(m.DataDir, "member-*.out")) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), true);
    }
}
