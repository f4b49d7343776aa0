using ActorMigration.Api.Http;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/qemu with <c>archive</c>: restore of a backup.</summary>
public static class RestoreEndpoints
{
    public static Task<IResult> Restore(HttpContext ctx, ApiServices s, PveParams p) =>
        Task.FromResult(PveResult.Error("restore from backup archives is not available yet"));
}
