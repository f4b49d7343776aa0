using System.Net;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Ha;

/// <summary>
/// A member of its own for the HA tests: <see cref="ValidationFixture.Vm"/> (a disk on local storage) and
/// <see cref="SharedVm"/> on node1 with its disk and cloud-init drive on shared storage.
/// </summary>
public sealed class HaApiFixture : ValidationFixture, IAsyncLifetime
{
    public int SharedVm { get; private set; }

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        SharedVm = await ScratchVm(("scsi0", "shared:1"), ("ide2", "shared:cloudinit"));
    }

    /// <summary>The HA configuration as the API lists it (resources, groups and rules with their digests).</summary>
    public async Task<string> HaConfig()
    {
        var resources = await Client.Get("/cluster/ha/resources");
        var groups = await Client.Get("/cluster/ha/groups");
        var rules = await Client.Get("/cluster/ha/rules");
        Assert.Equal(HttpStatusCode.OK, resources.Status);
        Assert.Equal(HttpStatusCode.OK, groups.Status);
        Assert.Equal(HttpStatusCode.OK, rules.Status);
        return resources.Body + "\n" + groups.Body + "\n" + rules.Body;
    }

    /// <summary>Sends the request and asserts that neither the HA configuration nor anything else changed.</summary>
    public async Task<PveClient.Response> HaUnchanged(Func<Task<PveClient.Response>> call)
    {
        var before = await HaConfig();
        var r = await Unchanged(call);
        Assert.Equal(before, await HaConfig());
        return r;
    }
}
