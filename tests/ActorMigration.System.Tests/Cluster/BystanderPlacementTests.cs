using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// Three members on PostgreSQL, one node each (member1 is the seed and the oldest). A migration node1 → node2 submitted
/// through member3 runs its workflow and its VM record on member1; member3 killed as precopy ends is a bystander: the
/// target resumes before any survivor has even downed member3, and the record then follows its VM to member2.
/// </summary>
[Collection("processes")]
public sealed partial class BystanderPlacementTests
{
    private static async Task<MemberProcess[]> ThreeMembers(string pg)
    {
        var ports = Enumerable.Range(0, 3).Select(_ => Repo.FreePort()).ToArray();
        var members = ports.Select((port, i) => new MemberProcess(new Dictionary<string, string>
        {
            ["AM_NODES"] = $"node{i + 1}",
            ["AM_CLUSTER_NODES"] = "node1,node2,node3",
            ["AM_PERSISTENCE"] = "postgres",
            ["AM_PG_CONNECTION"] = pg,
            ["AM_AKKA_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["AM_SEED_NODES"] = $"akka.ssl.tcp://actormigration@127.0.0.1:{ports[0]}",
        })).ToArray();
        await members[0].StartAsync();
        foreach (var m in members.Skip(1))
        {
            m.UseClusterCaOf(members[0]);
            await m.StartAsync();
        }
        await PveClient.Eventually(async () => (await members[0].Client.Get("/nodes")).Body.Split("\"online\"").Length == 4,
            TimeSpan.FromSeconds(90), "three nodes online");
        return members;
    }

    /// <summary>The member's log says the VM's record (its actor) started there.</summary>
    private static bool RecordStartedOn(MemberProcess m, int vmid) => m.ReadLog().Contains($"VM record vm-{vmid} started on");

    [GeneratedRegex(@"listening on addresses : \[akka\.ssl\.tcp://actormigration@127\.0\.0\.1:(\d+)\]")]
    private static partial Regex AkkaAddress();

    [GeneratedRegex(@"migration active, transferred ([0-9.]+) (\w+) of ([0-9.]+) (\w+) VM-state")]
    private static partial Regex Progress();

    private static double Bytes(string n, string unit) => double.Parse(n, CultureInfo.InvariantCulture) * unit switch
    {
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024,
        "GiB" => 1024.0 * 1024 * 1024,
        "TiB" => 1024.0 * 1024 * 1024 * 1024,
        _ => 1.0,
    };

    /// <summary>The share of the VM state precopy has sent, from the task log's last progress line.</summary>
    private static double Sent(IReadOnlyList<string> log) =>
        log.Select(l => Progress().Match(l)).LastOrDefault(m => m.Success) is { } m
            ? Bytes(m.Groups[1].Value, m.Groups[2].Value) / Bytes(m.Groups[3].Value, m.Groups[4].Value)
            : 0;

    /// <summary>A survivor's log line saying member3 (by its Akka port) was downed or removed.</summary>
    private static bool Downed(MemberProcess survivor, string port3) =>
        survivor.ReadLog().Split('\n').Any(l => l.Contains(":" + port3, StringComparison.Ordinal)
            && (l.Contains("downing", StringComparison.Ordinal) || l.Contains("as [Down]", StringComparison.Ordinal)
                || l.Contains("Leader is removing", StringComparison.Ordinal)));

    [Fact]
    public async Task A_bystander_killed_at_switchover_does_not_hold_the_guest_paused()
    {
        var pg = await Postgres.NewDatabaseAsync();
        var members = await ThreeMembers(pg);
        await using var m1 = members[0];
        await using var m2 = members[1];
        await using var m3 = members[2];
        const int vmid = 310;
        Assert.Equal("OK", await m1.Client.Wait(await m1.Client.Upid(m1.Client.Post("/nodes/node1/qemu",
            ("vmid", vmid.ToString(CultureInfo.InvariantCulture)), ("memory", "2048")))));
        Assert.Equal("OK", await m1.Client.Wait(await m1.Client.Upid(m1.Client.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        // The record lives with its VM on member1 (created elsewhere when the VM was still unknown, it follows within a rebalance).
        await PveClient.Eventually(() => Task.FromResult(RecordStartedOn(m1, vmid)), TimeSpan.FromSeconds(60), "record on member1");

        var upid = await m3.Client.Upid(m3.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
        await PveClient.Eventually(async () => await m1.Client.Log(upid) is var log
            && (Sent(log) >= 0.92 || log.Any(l => l.Contains("migration status: completed"))), TimeSpan.FromSeconds(120), "precopy at its end");
        var port3 = AkkaAddress().Match(m3.ReadLog()) is { Success: true } p
            ? p.Groups[1].Value
            : throw new InvalidOperationException("member3's Akka port is not in its log");
        m3.Kill9();
        var sinceKill = Stopwatch.StartNew();

        // The guest's pause ends when the target runs: that must not wait for member3 to be downed.
        await PveClient.Eventually(() => Task.FromResult(string.Equals(Reality.SimVmState(m2.DataDir, "node2", vmid), "Running",
            StringComparison.OrdinalIgnoreCase)),
            TimeSpan.FromSeconds(60), "target running");
        var resumedAfter = sinceKill.Elapsed;
        Assert.False(Downed(m1, port3) || Downed(m2, port3), $"the target resumed {resumedAfter} after the kill, only once member3 was downed");

        Assert.Equal("OK", await m1.Client.Wait(upid, TimeSpan.FromSeconds(120)));
        Assert.Contains($"Workflow {upid} finished: OK", m1.ReadLog());
        Assert.DoesNotContain($"Workflow {upid}", m2.ReadLog());
        Assert.Equal(["node2"], Reality.NodesRunning(m1.DataDir, vmid, "node1").Concat(Reality.NodesRunning(m2.DataDir, vmid, "node2")));

        // Unlocked, the record follows its VM to member2 (once member3 is gone: a handoff needs every region's answer);
        // a handed-off record starts at its next message, so each round reads the config.
        await PveClient.Eventually(async () =>
        {
            Assert.Equal(HttpStatusCode.OK, (await m2.Client.Get($"/nodes/node2/qemu/{vmid}/config")).Status);
            return RecordStartedOn(m2, vmid);
        }, TimeSpan.FromSeconds(90), "record followed to member2");
    }
}
