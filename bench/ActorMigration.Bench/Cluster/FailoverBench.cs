using System.Globalization;
using ActorMigration.TestSupport;
using static ActorMigration.Bench.BenchStats;

namespace ActorMigration.Bench.Cluster;

/// <summary>
/// Failover: three members on PostgreSQL with the simulated driver; an online migration (node1 → node2 unless told otherwise) runs, and the member
/// that runs its workflow (found by its log line, wherever placement put it) is killed with SIGKILL. Measured: from the kill
/// to the survivor's log line that resumes the workflow, and to the workflow's next row in the journal. The killed
/// member is restarted (it rejoins) before the next round.
/// </summary>
public static class FailoverBench
{
    public sealed record Round(int VmId, string KilledMember, string Role, double ResumedSeconds, double PersistedSeconds);

    public static async Task<IReadOnlyList<Round>> Run(int rounds, string source = "node1", string target = "node2", bool bystanderOnly = false)
    {
        await using var three = await ThreeMembers.StartAsync(speed: "2");
        var results = new List<Round>();
        var vmid = 500;
        for (var i = 0; i < rounds; i++)
        {
            var client = three.Members.First(m => m.Pid is not null).Client;
            string upid, role;
            MemberProcess victim;
            int index;
            for (var attempt = 1; ; attempt++)
            {
                if (attempt > 8) throw new InvalidOperationException("placement never put the workflow on a bystander");
                vmid++;
                await ClusterRuns.Ok(client, await client.Upid(client.Post($"/nodes/{source}/qemu", ("vmid", vmid.ToString()), ("memory", "2048"))));
                await ClusterRuns.Ok(client, await client.Upid(client.Post($"/nodes/{source}/qemu/{vmid}/status/start")));
                upid = await client.Upid(client.Post($"/nodes/{source}/qemu/{vmid}/migrate", ("target", target), ("online", "1")));
                var started = upid;
                await PveClient.Eventually(async () => (await client.Log(started)).Any(l => l.Contains("migration active")),
                    TimeSpan.FromSeconds(60), "precopy");
                victim = await three.WaitWorkflowMemberAsync(upid);
                index = three.Members.ToList().IndexOf(victim);
                var node = ThreeMembers.Nodes[index];
                role = node == source ? "source" : node == target ? "target" : "bystander";
                if (!bystanderOnly || role == "bystander") break;
                // Placement chose a member that hosts an end of the migration: let it finish and start another.
                await client.Wait(upid, TimeSpan.FromSeconds(180));
            }

            var killedAt = DateTime.UtcNow;
            victim.Kill9();
            double resumed = double.NaN, persisted = double.NaN;
            await PveClient.Eventually(async () =>
            {
                var now = (DateTime.UtcNow - killedAt).TotalSeconds;
                if (double.IsNaN(resumed) && three.WorkflowMember(upid) is { } m && m != victim) resumed = now;
                if (double.IsNaN(persisted)
                    && (await PgJournal.RowsAsync(three.Pg, "migration-" + upid)).FirstOrDefault(r => r.Created > killedAt) is { } row)
                    persisted = (row.Created - killedAt).TotalSeconds;
                return !double.IsNaN(resumed) && !double.IsNaN(persisted);
            }, TimeSpan.FromSeconds(120), "the workflow resumes and writes");
            results.Add(new Round(vmid, $"m{index + 1}", role, resumed, persisted));
            Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "round {0}: killed m{1} ({2}); resumed {3:F1} s, persisted {4:F1} s",
                i + 1, index + 1, role, resumed, persisted));

            await victim.StartAsync();
            foreach (var m in three.Members) await three.WaitOnlineAsync(m, ThreeMembers.Nodes);
            await three.Members.First(m => m != victim).Client.Wait(upid, TimeSpan.FromSeconds(180));
        }
        return results;
    }

    public static void Print(IReadOnlyList<Round> results)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("| round | killed | its nodes' role | kill → resumed on a survivor (s) | kill → next journal row of the workflow (s) |");
        Console.WriteLine("|---|---|---|---|---|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2} | {3:F1} | {4:F1} |", i + 1, r.KilledMember, r.Role, r.ResumedSeconds,
                r.PersistedSeconds));
        }
        Console.WriteLine(string.Format(inv, "\nmedian kill → resumed: {0:F1} s; median kill → next journal row: {1:F1} s (n = {2})",
            Median(results.Select(r => r.ResumedSeconds)), Median(results.Select(r => r.PersistedSeconds)), results.Count));
    }
}
