using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.TestSupport;

/// <summary>HA VMs on a test cluster: create them, find their recovery tasks, see where their records and copies are.</summary>
public static class HaVms
{
    /// <summary>
    /// <c>POST /nodes/{node}/qemu</c>, started. An HA VM gets a disk on storage <c>shared</c> and <c>ha-managed=1</c>, another
    /// VM no disk. Waits for the task and throws with its log unless it ended OK; an HA VM also until it is a resource (the
    /// HA configuration applies the create's <c>ha-managed</c> after the task).
    /// </summary>
    public static async Task CreateAsync(PveClient c, string node, int vmid, int memoryMiB, bool ha, params (string, string)[] extra)
    {
        var form = new List<(string, string)> { ("vmid", vmid.ToString()), ("memory", memoryMiB.ToString()), ("start", "1") };
        if (ha) form.AddRange([("scsi0", "shared:1"), ("ha-managed", "1")]);
        form.AddRange(extra);
        var upid = await c.Upid(c.Post($"/nodes/{node}/qemu", [.. form]));
        var status = await c.Wait(upid, TimeSpan.FromSeconds(180));
        if (status != "OK") throw new InvalidOperationException($"create {vmid} on {node}: {status}\n{string.Join('\n', await c.Log(upid))}");
        if (ha)
            await PveClient.Eventually(async () => (await c.Get($"/cluster/ha/resources/vm:{vmid}")).Status == HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), $"vm:{vmid} is an HA resource");
    }

    /// <summary>The VM's <c>ha-recovery</c> tasks the nodes list (running ones too), oldest first.</summary>
    public static async Task<IReadOnlyList<JsonObject>> RecoveryTasksAsync(PveClient c, int vmid, IEnumerable<string> nodes)
    {
        var tasks = new List<JsonObject>();
        foreach (var node in nodes)
        {
            var r = await c.Get($"/nodes/{node}/tasks", ("source", "all"), ("typefilter", "ha-recovery"), ("vmid", vmid.ToString()),
                ("limit", "0"));
            if (r.Status == HttpStatusCode.OK) tasks.AddRange(r.Data!.AsArray().OfType<JsonObject>());
        }
        return [.. tasks.OrderBy(t => t["starttime"]!.GetValue<long>())];
    }

    /// <summary>The VM's node in <c>/cluster/resources</c>, null when it is not listed.</summary>
    public static async Task<string?> NodeOfAsync(PveClient c, int vmid)
    {
        var r = await c.Get("/cluster/resources", ("type", "vm"));
        if (r.Status != HttpStatusCode.OK) return null;
        return r.Data!.AsArray().OfType<JsonObject>().FirstOrDefault(v => v["vmid"]?.GetValue<int>() == vmid)?["node"]?.GetValue<string>();
    }

    /// <summary>The <c>status</c> of <c>/nodes/{node}/qemu/{vmid}/status/current</c> (e.g. running), null unless 200.</summary>
    public static async Task<string?> StatusAsync(PveClient c, string node, int vmid)
    {
        var r = await c.Get($"/nodes/{node}/qemu/{vmid}/status/current");
        return r.Status == HttpStatusCode.OK ? r.Data?["status"]?.GetValue<string>() : null;
    }

    /// <summary>The node other than <paramref name="failed"/> where the VM's record is and runs, by the API; null if none yet.</summary>
    public static async Task<string?> RunningElsewhereAsync(PveClient c, int vmid, string failed)
    {
        try
        {
            return await NodeOfAsync(c, vmid) is { } node && node != failed && await StatusAsync(c, node, vmid) == "running" ? node : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The nodes where a simulated copy of the VM lives (its state file, not stopped), each read from its member's data dir.</summary>
    public static IReadOnlyList<string> SimCopies(ThreeMembers three, int vmid) =>
        [.. ThreeMembers.Nodes.Where(n => Reality.NodesRunning(three.Hosting(n).DataDir, vmid, n).Count > 0)];
}
