namespace ActorMigration.Api.Http;

/// <summary>
/// Who made a request, set by the auth middleware: a user (<c>alice@pve</c>) with a ticket, or an API token
/// (<c>alice@pve!ci</c>). Root-only checks compare <see cref="IsRootUser"/>, as Proxmox compares
/// <c>$authuser eq 'root@pam'</c>: a token is never root, not even root's own.
/// </summary>
public sealed record Caller(string AuthId)
{
    public string User => AuthId.Split('!')[0];
    public bool IsToken => AuthId.Contains('!', StringComparison.Ordinal);
    public bool IsRootUser => AuthId == "root@pam";
}

/// <summary>
/// Proxmox's permission evaluation: whether a user or token holds a privilege on an ACL path
/// (<c>/</c>, <c>/vms/{vmid}</c>, <c>/nodes/{node}</c>, <c>/storage/{id}</c>), with ACL propagation and, for a
/// token with <c>privsep=1</c>, the intersection with its own ACLs. Answered from memory; never blocks.
/// </summary>
public interface IPermissions
{
    bool Has(string authId, string path, string privilege);
}

/// <summary>The request's <see cref="Caller"/>, stored by the auth middleware.</summary>
public static class CallerContext
{
    public static Caller Caller(this HttpContext ctx) =>
        ctx.Items[typeof(Caller)] as Caller ?? throw new InvalidOperationException("request is not authenticated");

    public static void SetCaller(this HttpContext ctx, Caller caller) => ctx.Items[typeof(Caller)] = caller;
}
