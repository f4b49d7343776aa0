using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Compat;

/// <summary>The compatibility checklist (§6 of the API notes) runs against one shared member.</summary>
[CollectionDefinition(Name)]
public sealed class CompatCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "compat";
}

public static class CompatExtensions
{
    /// <summary>A client that reports the content type header verbatim.</summary>
    public static WireClient Wire(this ServerFixture f) => new(f.Server.Client.Http, f.Server.Token);

    public static Task<int> CreateVm(this ServerFixture f, string node = "node1", params (string, string)[] options) =>
        f.CreateVm(f.Client, node, options);

    /// <summary>A create by <paramref name="by"/> (a root@pam session for root-only keys such as <c>vmgenid</c>).</summary>
    public static async Task<int> CreateVm(this ServerFixture f, PveClient by, string node, params (string, string)[] options)
    {
        var vmid = f.NextVmId();
        var upid = await by.Upid(by.Post($"/nodes/{node}/qemu", [("vmid", vmid.ToString()), .. options]));
        Assert.Equal("OK", await f.Client.Wait(upid));
        return vmid;
    }
}
