namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// A member frozen with SIGSTOP past the failure detector is downed; the others take over its records. When it runs
/// on, it must not write any of them again: each VM record's journal rows come from one writer at a time.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class FrozenMemberTests
{
    [Fact]
    public async Task A_member_frozen_past_the_failure_detector_never_becomes_a_second_writer_and_exits()
    {
        await using var three = await ThreeMembers.StartAsync();
        var (m1, m3) = (three[0], three[2]);
        // Records spread over the shards, and so over all three members; their nodes live on m1 and m2.
        var vms = Enumerable.Range(330, 6).ToList();
        foreach (var vmid in vms)
            Assert.Equal("OK", await m1.Client.Wait(await m1.Client.Upid(m1.Client.Post($"/nodes/node{1 + vmid % 2}/qemu",
                ("vmid", vmid.ToString()), ("memory", "512")))));
        // Everyone reads every record once, so each member holds live incarnations to go stale.
        foreach (var m in three.Members)
            foreach (var vmid in vms) await m.Client.Get($"/nodes/node{1 + vmid % 2}/qemu/{vmid}/config");

        m3.Stop();
        // Requests that reach the frozen member wait in its socket and run the moment it continues.
        var queued = vms.Select(vmid => m3.Client.Put($"/nodes/node{1 + vmid % 2}/qemu/{vmid}/config",
            ("description", "from-the-frozen-member"))).ToList();
        await three.WaitOnlineAsync(m1, ["node1", "node2"]);
        // Offline is unreachable; the split-brain resolver downs it 1.5 s later. Continued before that, it is simply
        // reachable again (2026-12-05): wait until m1's membership has two members (the frozen one downed and removed).
        await PveClient.Eventually(async () => (await m1.Client.Get("/cluster/status")).Data!.AsArray()
            .Single(e => e!["type"]!.GetValue<string>() == "cluster")!["version"]!.GetValue<int>() == 2, TimeSpan.FromSeconds(30), "m3 downed and removed");
        // The majority takes the frozen member's records over (a request sent while their shards still pointed at it is
        // lost and times out; a client sends it again).
        foreach (var vmid in vms)
            await PveClient.Eventually(async () => (await m1.Client.Put($"/nodes/node{1 + vmid % 2}/qemu/{vmid}/config",
                ("description", "from-the-majority"))).Status == System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"VM {vmid} written");

        m3.Continue();
        var exit = await m3.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit is not null, "the frozen member did not stop: " + string.Join('\n', m3.ReadLog().Split('\n').TakeLast(40)));
        Assert.NotEqual(0, exit);
        await Task.WhenAll(queued.Select(async q =>
        {
            try
            {
                await q;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
        }));

        foreach (var vmid in vms)
        {
            var rows = await PgJournal.RowsAsync(three.Pg, "vm-" + vmid);
            Assert.Equal(rows.Select(r => r.Seq), Enumerable.Range(1, rows.Count).Select(i => (long)i));
            Assert.Null(PgJournal.InterleavedWriter(rows));
        }
        // It rejoins once restarted, as a supervisor would.
        await m3.StartAsync();
        foreach (var m in three.Members) await three.WaitOnlineAsync(m, ThreeMembers.Nodes);
    }
}
