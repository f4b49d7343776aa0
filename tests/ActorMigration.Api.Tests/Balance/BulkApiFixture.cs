using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Balance;

/// <summary>
/// A member of its own for migrateall and maintenance: the validation fixture's reference VMs, a slower simulated link
/// (a 512 MiB running VM migrates in about a second, so concurrent children overlap visibly) and VM builders.
/// </summary>
public class BulkApiFixture : ValidationFixture
{
    protected override IDictionary<string, string?>? MemberEnvironment => new Dictionary<string, string?> { ["AM_SIM_SPEED_FACTOR"] = "5" };

    /// <summary>Creates a VM on <paramref name="node"/> (as root@pam when <paramref name="root"/>: host devices), started if asked.</summary>
    public async Task<int> NewVm(string node, bool start, bool root = false, params (string, string)[] options)
    {
        var vmid = NextVmId();
        var by = root ? await Server.RootSession() : Client;
        Assert.Equal("OK", await Client.Wait(await by.Upid(by.Post($"/nodes/{node}/qemu", [("vmid", vmid.ToString()), ("memory", "512"), .. options]))));
        if (start) Assert.Equal("OK", await Client.Wait(await Client.Upid(Client.Post($"/nodes/{node}/qemu/{vmid}/status/start"))));
        return vmid;
    }

    /// <summary>The VMs as /cluster/resources lists them.</summary>
    public async Task<JsonArray> Vms() => (await Client.Get("/cluster/resources", ("type", "vm"))).Data!.AsArray();

    /// <summary>The vmids listed on a node.</summary>
    public async Task<HashSet<int>> On(string node) =>
        (await Vms()).Where(v => v!["node"]?.GetValue<string>() == node).Select(v => v!["vmid"]!.GetValue<int>()).ToHashSet();

    /// <summary>Samples how many of <paramref name="vmids"/> hold the migrate lock at once until <paramref name="done"/> ends; the highest count.</summary>
    public async Task<int> MostLockedAtOnce(IReadOnlyCollection<int> vmids, Task done)
    {
        var most = 0;
        while (!done.IsCompleted)
        {
            var locked = (await Vms()).Count(v => vmids.Contains(v!["vmid"]!.GetValue<int>()) && v["lock"]?.GetValue<string>() == "migrate");
            most = Math.Max(most, locked);
            await Task.Delay(20);
        }
        return most;
    }
}
