namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// Three members on one PostgreSQL journal, every member a seed: losing one member for good leaves a working cluster
/// that resumes the lost member's workflows, a restarted first seed rejoins instead of forming a second cluster, and a
/// frozen member never writes a record that the others took over (docs/cluster.md).
/// </summary>
[Collection(Collections.Cluster)]
public sealed class DowningTests
{
    private static async Task<int> CreateVm(PveClient c, string node, int vmid, bool start)
    {
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/{node}/qemu", ("vmid", vmid.ToString()), ("memory", "512")))));
        if (start) Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/{node}/qemu/{vmid}/status/start"))));
        return vmid;
    }

    [Fact]
    public async Task Killing_the_workflows_member_for_good_leaves_a_cluster_that_resumes_the_workflow()
    {
        await using var three = await ThreeMembers.StartAsync(speed: "2");
        var c = three[1].Client;
        var vmid = await CreateVm(c, "node1", 310, start: true);
        var upid = await c.Upid(c.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
        await PveClient.Eventually(async () => (await c.Log(upid)).Any(l => l.Contains("migration active")),
            TimeSpan.FromSeconds(60), "precopy");
        var victim = await three.WaitWorkflowMemberAsync(upid);

        var killedAt = DateTime.UtcNow;
        victim.Kill9();
        var survivors = three.Members.Where(m => m != victim).ToList();
        var resumedOn = await ResumedOn(survivors, upid, TimeSpan.FromSeconds(30));
        var failover = DateTime.UtcNow - killedAt;

        // The survivors stay one cluster: each sees the other's node online and the lost one offline.
        var live = survivors.Select(m => ThreeMembers.Nodes[three.Members.ToList().IndexOf(m)]).ToList();
        foreach (var s in survivors) await three.WaitOnlineAsync(s, live, TimeSpan.FromSeconds(30));
        Assert.Contains(resumedOn, survivors);
        Assert.True(failover < TimeSpan.FromSeconds(30), $"resumed after {failover.TotalSeconds:F1} s");
        // The resumed workflow's new incarnation writes after the kill (its old one's rows all came before it).
        await PveClient.Eventually(async () => (await PgJournal.RowsAsync(three.Pg, "migration-" + upid))
            .Any(r => r.Created > killedAt), TimeSpan.FromSeconds(60), "a write of the resumed workflow");
        var rows = await PgJournal.RowsAsync(three.Pg, "migration-" + upid);
        Assert.Null(PgJournal.InterleavedWriter(rows));
    }

    /// <summary>The survivor whose output says the workflow recovered and resumes, within <paramref name="within"/>.</summary>
    private static async Task<MemberProcess> ResumedOn(IReadOnlyList<MemberProcess> survivors, string upid, TimeSpan within)
    {
        MemberProcess? on = null;
        await PveClient.Eventually(() =>
        {
            on = survivors.FirstOrDefault(m => m.ReadLog().Split('\n').Any(l => l.Contains(upid) && l.Contains("recovered in phase")));
            return Task.FromResult(on is not null);
        }, within, $"a survivor resumes {upid}");
        return on!;
    }

    [Fact]
    public async Task In_a_two_member_cluster_the_oldest_member_survives_the_younger_for_good()
    {
        var (a, b) = await PostgresClusterTests.TwoMembers(await Postgres.NewDatabaseAsync(), "20");
        await using (a)
        await using (b)
        {
            // a is the oldest (it formed the cluster): a 1 | 1 split keeps it, so it stays up and serves.
            b.Kill9();
            await PveClient.Eventually(async () => (await a.Client.Get("/nodes")).Body.Split("\"online\"").Length == 2,
                TimeSpan.FromSeconds(30), "node2 offline on a");
            Assert.Null(await a.WaitForExitAsync(TimeSpan.FromSeconds(5)));
            await PveClient.Eventually(async () =>
                (await a.Client.Post("/nodes/node1/qemu", ("vmid", "340"), ("memory", "512"))).Status == System.Net.HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), "node1 takes a create");
            await PveClient.Eventually(async () => (await a.Client.Get("/nodes/node1/qemu/340/config")).Status == System.Net.HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), "VM 340 created");
            Assert.Equal("OK", await a.Client.Wait(await a.Client.Upid(a.Client.Post("/nodes/node1/qemu/340/status/start"))));
            Assert.Equal(["node1"], Reality.NodesRunning(a.DataDir, 340, "node1"));
        }
    }

    [Fact]
    public async Task A_restarted_first_seed_rejoins_the_cluster_instead_of_forming_a_second_one()
    {
        await using var three = await ThreeMembers.StartAsync();
        var m1 = three[0];
        m1.Kill9();
        // The others down and remove it, then it comes back: with only itself as seed it would form a cluster of its own.
        await three.WaitOnlineAsync(three[1], ["node2", "node3"]);
        await m1.StartAsync();

        foreach (var m in three.Members) await three.WaitOnlineAsync(m, ThreeMembers.Nodes);
        Assert.Contains("Welcome from", m1.ReadLog());
        Assert.DoesNotContain("forming a new cluster", m1.ReadLog());
        // One cluster: a VM created through the restarted seed on node1 is seen on node3's member.
        var vmid = await CreateVm(m1.Client, "node1", 320, start: false);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await three[2].Client.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
    }
}
