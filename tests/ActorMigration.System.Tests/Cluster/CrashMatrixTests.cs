using System.Text.Json.Nodes;

namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// The crash matrix on the simulated driver. Each case runs three migrations at once, node1 → node2, node2 → node3 and
/// node3 → node1, waits until all three are in the same phase and kills one member for good: it is the source's member
/// (which runs the workflow) of one migration, the target's of another and a bystander to the third. Every migration ends
/// OK or rolled back as the point-of-no-return rule says, never "migration problems"; I1–I4 hold while the member is
/// gone and again once it is back (a returning node stops what waits for a workflow that ended and removes what it left).
/// The killed member rotates over the phases, so each member, the first seed included, dies in some phase. Offline, the
/// owner move is a single journal write: the move-config case holds that write in flight in PostgreSQL.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class CrashMatrixTests(CrashMatrixCluster cluster, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<CrashMatrixCluster>
{
    private static int _nextVmId = 400;

    public static readonly MatrixPhase[] Phases =
    [
        new("prepare", true), new("start-incoming", true), new("precopy-iterations", true), new("stop-and-copy", true),
        new("conntrack-transfer", true), new("cleanup", true), new("copy-disks", false), new("move-config", false),
    ];

    public static TheoryData<MatrixPhase, int> Cases()
    {
        var data = new TheoryData<MatrixPhase, int>();
        for (var i = 0; i < Phases.Length; i++) data.Add(Phases[i], i % 3);
        return data;
    }

    /// <summary>
    /// Before the point of no return (the owner move's write) a lost end rolls back; a bystander changes nothing. In
    /// move-config the write is in flight: it dies with the source's member (which holds the record), and goes through
    /// when the target's member dies, so the VM then belongs to the lost target.
    /// </summary>
    private static bool RollsBack(MatrixPhase phase, Role role) =>
        role == Role.Source ? phase.Name != "cleanup" : role == Role.Target && phase.Name is not ("cleanup" or "move-config");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_member_lost_for_good_then_back_leaves_one_vm_one_owner_no_lock_no_orphan(MatrixPhase phase, int victim)
    {
        var started = DateTime.UtcNow;
        void Mark(string what) => output.WriteLine($"{(DateTime.UtcNow - started).TotalSeconds,6:F1} s {what}");
        await cluster.WholeAsync(Mark);
        Mark("cluster whole");
        var three = cluster.Three;
        var dying = three[victim];
        var dyingNode = ThreeMembers.Nodes[victim];
        var api = three[(victim + 1) % 3].Client;
        // The three VMs first, then the three migrations at once, so a slow create cannot put one a phase behind.
        var vmids = await Task.WhenAll(ThreeMembers.Nodes.Select(node => Create(api, phase, node)));
        var migrations = await Task.WhenAll(ThreeMembers.Nodes.Select((node, i) =>
            Start(api, phase, vmids[i], node, ThreeMembers.Nodes[(i + 1) % 3])));
        Mark("three migrations started");
        var held = new List<IAsyncDisposable>();
        if (phase.Name == "move-config")
        {
            // The owner move is one write: hold each record's next write, so the three wait in move-config.
            await AllIn(api, migrations, "copy-disks");
            foreach (var m in migrations) held.Add(await PgJournal.HoldNextWriteAsync(three.Pg, "vm-" + m.VmId));
        }
        await AllIn(api, migrations, phase.Name);
        // Online cleanup starts with the owner move and the target's resume: the case kills a member after them, while the
        // source is stopped (the 3 s hold), not between (a target lost before its resume is "migration problems").
        if (phase is { Name: "cleanup", Online: true })
            await PveClient.Eventually(() => Task.FromResult(migrations.All(m => string.Equals("Running",
                    Reality.SimVmState(three.Hosting(m.Target).DataDir, m.Target, m.VmId), StringComparison.OrdinalIgnoreCase))),
                TimeSpan.FromSeconds(60), "all three running on their targets");
        Mark($"all in {phase}; killing m{victim + 1}");

        dying.Kill9();
        foreach (var h in held) await h.DisposeAsync();
        var owners = new Dictionary<MatrixMigration, string>();
        foreach (var m in migrations)
        {
            var role = m.RoleOf(dyingNode);
            var exit = await api.Wait(m.Upid, TimeSpan.FromSeconds(90));
            var log = string.Join("\n", await api.Log(m.Upid));
            if (RollsBack(phase, role))
            {
                Assert.True(exit == "migration aborted", $"{m.Source} → {m.Target}, {role} killed: {exit}\n{log}");
                Assert.Contains(dyingNode, log.Split('\n')[^2]);
            }
            else
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(exit, "^(OK|WARNINGS: \\d+)$"),
                    $"{m.Source} → {m.Target}, {role} killed: {exit}\n{log}");
            owners[m] = RollsBack(phase, role) ? m.Source : m.Target;
        }
        Mark("all three ended");
        foreach (var m in migrations) await Invariants.Hold(three, api, m, owners[m], phase.Online, dyingNode, "I1–I4 while the member is gone");
        Mark("I1–I4 hold while gone");

        await dying.StartAsync();
        Mark("restarted");
        await three.WaitOnlineAsync(dying, ThreeMembers.Nodes);
        Mark("back online");
        foreach (var m in migrations) await Invariants.Hold(three, api, m, owners[m], phase.Online, null, "I1–I4 once the member is back");
        Mark("I1–I4 hold once back");
    }

    /// <summary>Creates a VM with a local disk on <paramref name="source"/>, started for an online phase.</summary>
    private static async Task<int> Create(PveClient api, MatrixPhase phase, string source)
    {
        var vmid = Interlocked.Increment(ref _nextVmId);
        var vm = $"/nodes/{source}/qemu/{vmid}";
        await Settled(api, () => api.Post($"/nodes/{source}/qemu", ("vmid", vmid.ToString()), ("memory", "2048"),
            ("scsi0", phase.Online ? "local:1" : "local:4")), $"{vm}/config", d => d["lock"] is null);
        if (phase.Online)
            await Settled(api, () => api.Post($"{vm}/status/start"), $"{vm}/status/current",
                d => d["status"]?.GetValue<string>() == "running" && d["lock"] is null);
        return vmid;
    }

    /// <summary>
    /// Posts a task and waits for it to end OK. Right after the previous case's member came back its shards may still be
    /// handed back to it (remembered entities restart there), and a POST may answer Proxmox's "got timeout - the request
    /// may still take effect": then the task's effect (<paramref name="done"/> on <paramref name="check"/>) is awaited.
    /// </summary>
    private static async Task Settled(PveClient api, Func<Task<PveClient.Response>> post, string check, Func<JsonNode, bool> done)
    {
        var r = await post();
        if (r.Status == System.Net.HttpStatusCode.OK)
        {
            Assert.Equal("OK", await api.Wait(r.Data!.GetValue<string>()));
            return;
        }
        Assert.True(r.Reason?.StartsWith("got timeout", StringComparison.Ordinal) == true, $"{check}: {r}");
        await PveClient.Eventually(async () => (await api.Get(check)) is { Status: System.Net.HttpStatusCode.OK, Data: { } d } && done(d),
            TimeSpan.FromSeconds(60), $"{check} after a timed-out POST");
    }

    /// <summary>Starts the migration of <paramref name="vmid"/> from <paramref name="source"/> to <paramref name="target"/>.</summary>
    private static async Task<MatrixMigration> Start(PveClient api, MatrixPhase phase, int vmid, string source, string target)
    {
        (string, string)[] form = phase.Online
            ? [("target", target), ("online", "1"), ("with-local-disks", "1"), ("with-conntrack-state", "1")]
            : [("target", target)];
        return new MatrixMigration(vmid, source, target, await api.Upid(api.Post($"/nodes/{source}/qemu/{vmid}/migrate", form)));
    }

    private static Task AllIn(PveClient api, IEnumerable<MatrixMigration> migrations, string phase) =>
        PveClient.Eventually(async () => (await Task.WhenAll(migrations.Select(m => Phase(api, m)))).All(p => p == phase),
            TimeSpan.FromSeconds(60), $"all three migrations in {phase}");

    private static async Task<string> Phase(PveClient c, MatrixMigration m) =>
        (await c.Get($"/nodes/{m.Source}/tasks/{m.Upid}/status")).Data?["phase"]?.GetValue<string>() ?? "";
}
