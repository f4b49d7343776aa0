using System.Net;
using ActorMigration.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ActorMigration.Api.Tests.Security;

/// <summary>
/// An explicit table of grants (auth id, ACL path, privilege) for unit tests of the checks; nothing propagates, so a test
/// names exactly what the caller holds.
/// </summary>
public sealed class Grants : IPermissions
{
    private readonly HashSet<(string, string, string)> _grants = [];

    public Grants Grant(string authId, string path, params string[] privileges)
    {
        foreach (var p in privileges) _grants.Add((authId, path, p));
        return this;
    }

    public bool Has(string authId, string path, string privilege) => _grants.Contains((authId, path, privilege));

    /// <summary>Every privilege Proxmox's PVEVMAdmin role holds, plus Sys.Modify: what a VM administrator has.</summary>
    public static readonly string[] VmAdmin =
    [
        "VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU", "VM.Config.Cloudinit",
        "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options", "VM.Console",
        "VM.Migrate", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback", "Sys.Modify",
    ];

    /// <summary>The status and reason phrase an <see cref="IResult"/> answers with.</summary>
    public static async Task<(HttpStatusCode Status, string? Reason)> Answer(IResult result)
    {
        var ctx = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        await result.ExecuteAsync(ctx);
        return ((HttpStatusCode)ctx.Response.StatusCode, ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase);
    }
}
