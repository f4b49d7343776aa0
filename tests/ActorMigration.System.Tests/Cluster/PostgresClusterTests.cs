using System.Net;

namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// Two members, one hypervisor node each, sharing a PostgreSQL journal: the production layout.
/// A migration crosses members; a member killed mid-migration rejoins and the workflow ends.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class PostgresClusterTests
{
    internal static async Task<(MemberProcess A, MemberProcess B)> TwoMembers(string pg, string speed)
    {
        var portA = Repo.FreePort();
        var portB = Repo.FreePort();
        var seed = $"akka.ssl.tcp://actormigration@127.0.0.1:{portA}";
        MemberProcess Member(string node, int port) => new(new Dictionary<string, string>
        {
            ["AM_NODES"] = node,
            ["AM_CLUSTER_NODES"] = "node1,node2",
            ["AM_PERSISTENCE"] = "postgres",
            ["AM_PG_CONNECTION"] = pg,
            ["AM_AKKA_PORT"] = port.ToString(),
            ["AM_SEED_NODES"] = seed,
            ["AM_SIM_SPEED_FACTOR"] = speed,
        });
        var a = Member("node1", portA);
        var b = Member("node2", portB);
        await a.StartAsync();
        b.UseClusterCaOf(a);
        await b.StartAsync();
        await PveClient.Eventually(async () => (await a.Client.Get("/nodes")).Body.Split("\"online\"").Length == 3,
            TimeSpan.FromSeconds(60), "both nodes online");
        return (a, b);
    }

    private static async Task<int> RunningVm(PveClient c, int vmid)
    {
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "2048")))));
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        return vmid;
    }

    [Fact]
    public async Task A_migration_crosses_members()
    {
        var pg = await Postgres.NewDatabaseAsync();
        var (a, b) = await TwoMembers(pg, "20");
        await using (a)
        await using (b)
        {
            var vmid = await RunningVm(a.Client, 200);
            var upid = await a.Client.Upid(a.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
            Assert.Equal("OK", await b.Client.Wait(upid));

            // Each member sees the VM where it now lives; the processes live on the member hosting node2.
            var onB = await b.Client.Get($"/nodes/node2/qemu/{vmid}/status/current");
            Assert.Equal("running", onB.Data!["status"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.InternalServerError, (await a.Client.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
            Assert.Empty(Reality.NodesRunning(a.DataDir, vmid, "node1"));
            Assert.Equal(["node2"], Reality.NodesRunning(b.DataDir, vmid, "node2"));
        }
    }

    [Fact]
    public async Task A_member_killed_during_precopy_rejoins_and_the_migration_ends()
    {
        var pg = await Postgres.NewDatabaseAsync();
        var (a, b) = await TwoMembers(pg, "2");
        await using (a)
        await using (b)
        {
            var vmid = await RunningVm(a.Client, 201);
            var upid = await a.Client.Upid(a.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
            await PveClient.Eventually(async () => (await a.Client.Log(upid)).Any(l => l.Contains("migration active")),
                TimeSpan.FromSeconds(60), "precopy");

            b.Kill9();
            await b.StartAsync();

            // The target's member was lost before the point of no return: the migration may roll back (its new
            // incarnation came back too late) or finish; either way one copy runs, on the record's node, unlocked.
            var exit = await a.Client.Wait(upid, TimeSpan.FromSeconds(180));
            Assert.Contains(exit, new[] { "OK", "migration aborted" });
            var owner = exit == "OK" ? "node2" : "node1";
            // The restarted member joins after its rejoin delay (RejoinGuard), then checks what it re-adopted against the records.
            await PveClient.Eventually(async () => (await a.Client.Get("/nodes")).Body.Split("\"online\"").Length == 3,
                TimeSpan.FromSeconds(60), "node2 online again");
            await PveClient.Eventually(() => Task.FromResult(
                Reality.NodesRunning(a.DataDir, vmid, "node1").Concat(Reality.NodesRunning(b.DataDir, vmid, "node2")).SequenceEqual([owner])),
                TimeSpan.FromSeconds(30), $"one copy, on {owner}");
            var cfg = await a.Client.Get($"/nodes/{owner}/qemu/{vmid}/config");
            Assert.Null(cfg.Data!["lock"]);
        }
    }
}
