namespace ActorMigration.Api.Http;

/// <summary>
/// The privileges a route requires, declared next to the route as Proxmox declares <c>permissions => { check => [...] }</c>:
/// each check names an ACL path template (<c>/vms/{vmid}</c>, filled from the request's parameters) and privileges that are
/// all needed, or any one of them. <see cref="User"/> is Proxmox's <c>user => 'all'</c>: any authenticated caller, the
/// handler filters what it shows. <c>root@pam</c> passes every check. Evaluated by <see cref="Handler.Run"/> before the
/// parameters are validated (as Proxmox checks before it runs the method), so nothing is read or changed for a caller
/// that lacks them.
/// </summary>
public sealed record Need(IReadOnlyList<Need.Check> Checks)
{
    /// <summary>One ACL check; with <paramref name="IfParam"/> only when that parameter is sent.</summary>
    public sealed record Check(string Path, string[] Privileges, bool Any, string? IfParam = null);

    /// <summary>Any authenticated caller (<c>user => 'all'</c>); what it may see is filtered by the handler.</summary>
    public static readonly Need User = new([]);

    public static Need Vm(params string[] privileges) => Path("/vms/{vmid}", privileges);

    public static Need VmAny(params string[] privileges) => new([new Check("/vms/{vmid}", privileges, Any: true)]);

    public static Need Node(params string[] privileges) => Path("/nodes/{node}", privileges);

    public static Need Path(string template, params string[] privileges) => new([new Check(template, privileges, Any: false)]);

    public static Need PathAny(string template, params string[] privileges) => new([new Check(template, privileges, Any: true)]);

    public Need And(string template, params string[] privileges) => new([.. Checks, new Check(template, privileges, Any: false)]);

    /// <summary>A check made only when the request carries <paramref name="param"/> (a target <c>storage</c>, <c>start=1</c>).</summary>
    public Need AndIf(string param, string template, params string[] privileges) =>
        new([.. Checks, new Check(template, privileges, Any: false, param)]);

    /// <summary>The first failing check as Proxmox words it (<c>/vms/100, VM.Migrate</c>), or null when all pass.</summary>
    public string? Denied(Caller caller, IPermissions perms, Func<string, string?> param)
    {
        if (caller.IsRootUser) return null;
        foreach (var c in Checks)
        {
            if (c.IfParam is { } ip && param(ip) is null or "0") continue;
            var path = Fill(c.Path, param);
            if (Access.Denied(caller, perms, path, c.Privileges, c.Any) is { } d) return d;
        }
        return null;
    }

    private static string Fill(string template, Func<string, string?> param)
    {
        var path = template;
        while (path.IndexOf('{') is var open and >= 0)
        {
            var close = path.IndexOf('}', open);
            path = path[..open] + (param(path[(open + 1)..close]) ?? "") + path[(close + 1)..];
        }
        return path;
    }
}

/// <summary>Privilege checks on one ACL path, and the 403 Proxmox answers when one fails.</summary>
public static class Access
{
    /// <summary>Proxmox's <c>raise_perm_exc</c> text: <c>Permission check failed (/vms/100, VM.Migrate)</c>.</summary>
    public static IResult Forbidden(string what) => PveResult.Error($"Permission check failed ({what})", 403);

    /// <summary>A refusal by a root-only rule (<c>only root can set 'args' config</c>): 403 as well.</summary>
    public static IResult RootOnly(string message) => PveResult.Error(message, 403);

    /// <summary>check_full: all privileges (or, with <paramref name="any"/>, one of them) on <paramref name="path"/>.</summary>
    public static string? Denied(Caller caller, IPermissions perms, string path, string[] privileges, bool any = false)
    {
        if (caller.IsRootUser) return null;
        if (any)
            return privileges.Any(p => perms.Has(caller.AuthId, path, p)) ? null : $"{path}, {string.Join('|', privileges)}";
        foreach (var p in privileges)
            if (!perms.Has(caller.AuthId, path, p)) return $"{path}, {p}";
        return null;
    }

    public static bool Allowed(this HttpContext ctx, string path, params string[] privileges) =>
        Denied(ctx.Caller(), ctx.Permissions(), path, privileges) is null;

    /// <summary>The request's caller, or null on a route that needs no authentication.</summary>
    public static Caller? TryCaller(this HttpContext ctx) => ctx.Items.TryGetValue(typeof(Caller), out var c) ? c as Caller : null;

    /// <summary>The registered <see cref="IPermissions"/> (the access store's evaluation).</summary>
    public static IPermissions Permissions(this HttpContext ctx) => ctx.RequestServices.GetRequiredService<IPermissions>();
}
