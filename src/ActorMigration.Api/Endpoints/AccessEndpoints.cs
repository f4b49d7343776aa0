using ActorMigration.Api.Http;
using ActorMigration.Domain.Access;

namespace ActorMigration.Api.Endpoints;

/// <summary>/access/ticket, /access/permissions, /access/roles, /access/acl, /access/password (pve-access-control's shapes).</summary>
public static class AccessEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        // Reachable without authentication (TokenAuth lets /access/ticket through).
        api.MapGet("/access/ticket", (HttpContext ctx, AccessService _) =>
            Handler.Run(ctx, Need.User, new ParamSchema(), _ => Task.FromResult(PveResult.Data(null))));
        api.MapPost("/access/ticket", (HttpContext ctx, AccessService access, LoginThrottle throttle, HostRootPassword root) =>
            Handler.Run(ctx, Need.User, TicketSchema, p => Login(ctx, access, throttle, root, p)));

        api.MapGet("/access/permissions", (HttpContext ctx, AccessService access) =>
            Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("path", MaxLength: 64), new ParamSpec("userid", MaxLength: 128)), p =>
            {
                var caller = ctx.Caller();
                var who = p["userid"] ?? caller.AuthId;
                // Own permissions, or those of one's own tokens; anyone else's need Sys.Audit on /access.
                if (who != caller.AuthId && !(who.StartsWith(caller.AuthId + "!", StringComparison.Ordinal) && !caller.IsToken)
                    && !access.Has(caller.AuthId, "/access", "Sys.Audit"))
                    return Task.FromResult(Forbidden("/access", "Sys.Audit"));
                if (!AccessIds.IsUserId(who) && !AccessIds.TrySplitToken(who, out _, out _))
                    return Task.FromResult(PveResult.ParamError("userid", "invalid user or token id"));
                IEnumerable<string> paths;
                if (p["path"] is { } raw)
                {
                    if (AccessIds.NormalizePath(raw) is not { } one) return Task.FromResult(PveResult.ParamError("path", $"invalid ACL path '{raw}'"));
                    paths = [one];
                }
                else paths = new[] { "/", "/access", "/nodes", "/storage", "/vms" }.Concat(access.State.Acl.Select(a => a.Path)).Distinct();
                var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var path in paths)
                {
                    var privs = access.Privileges(who, path);
                    if (privs.Count > 0 || p["path"] is not null)
                        result[path] = privs.Order(StringComparer.Ordinal).ToDictionary(x => x, _ => (object)1);
                }
                return Task.FromResult(PveResult.Data(result));
            }));

        api.MapGet("/access/roles", (HttpContext ctx, AccessService _) => Handler.Run(ctx, Need.User, new ParamSchema(), _ =>
            Task.FromResult(PveResult.Data(Privileges.Roles.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new Dictionary<string, object?>
            {
                ["roleid"] = r.Key,
                ["privs"] = string.Join(",", r.Value.Order(StringComparer.Ordinal)),
                ["special"] = 1,
            }).ToList()))));

        api.MapGet("/access/acl", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, new ParamSchema(), _ =>
        {
            var caller = ctx.Caller().AuthId;
            // Only entries on paths where the caller may audit or modify permissions, as Proxmox filters them.
            var list = access.State.Acl
                .Where(a => access.Has(caller, a.Path, "Sys.Audit") || access.Has(caller, a.Path, "Permissions.Modify"))
                .OrderBy(a => a.Path, StringComparer.Ordinal).ThenBy(a => a.Subject, StringComparer.Ordinal).ThenBy(a => a.Role, StringComparer.Ordinal)
                .Select(a => new Dictionary<string, object?>
                {
                    ["path"] = a.Path,
                    ["type"] = a.Subject.Contains('!', StringComparison.Ordinal) ? "token" : "user",
                    ["ugid"] = a.Subject,
                    ["roleid"] = a.Role,
                    ["propagate"] = a.Propagate ? 1 : 0,
                }).ToList();
            return Task.FromResult(PveResult.Data(list));
        }));

        api.MapPut("/access/acl", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, AclSchema, p => UpdateAcl(ctx, access, p)));

        api.MapPut("/access/password", (HttpContext ctx, AccessService access) =>
            Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("userid", Optional: false, MaxLength: 64),
                new ParamSpec("password", Optional: false, MaxLength: 64), new ParamSpec("confirmation-password", MaxLength: 64)), async p =>
            {
                var caller = ctx.Caller();
                var user = p["userid"]!;
                if (p["password"]!.Length < 5) return PveResult.ParamError("password", "value must be at least 5 characters long");
                if (!AccessIds.IsUserId(user)) return PveResult.ParamError("userid", "value does not look like a valid user id");
                if (!(caller.AuthId == user) && !access.Has(caller.AuthId, "/access/groups", "User.Modify"))
                    return Forbidden("/access/groups", "User.Modify");
                if (user == AccessState.Root)
                    return PveResult.Error("change password failed: the password of 'root@pam' is the member's root.password file, not changed here");
                var error = await access.ChangeAsync(new SetPassword(user, Secrets.HashPassword(p["password"]!, AccessSecrets.Salt())));
                return error is null ? PveResult.Data(null) : PveResult.Error(error);
            }));
    }

    /// <summary>Proxmox's refusal of a privilege check: 403 <c>Permission check failed (path, privilege)</c>.</summary>
    public static IResult Forbidden(string path, string privilege) => Access.Forbidden($"{path}, {privilege}");

    private static readonly ParamSchema TicketSchema = new(
        new ParamSpec("username", Optional: false, MaxLength: 64), new ParamSpec("password", Optional: false),
        new ParamSpec("realm", MaxLength: 32), new ParamSpec("otp"), new ParamSpec("path"), new ParamSpec("privs"),
        new ParamSpec("new-format", PType.Boolean), new ParamSpec("tfa-challenge"));

    private static async Task<IResult> Login(HttpContext ctx, AccessService access, LoginThrottle throttle, HostRootPassword root, PveParams p)
    {
        var user = p["username"]!;
        if (p["realm"] is { } realm && !user.Contains('@', StringComparison.Ordinal)) user += "@" + realm;
        await access.WaitLoadedAsync(ctx.RequestAborted);
        var address = ctx.Connection.RemoteIpAddress?.ToString() ?? "";
        var password = p["password"]!;
        // A valid ticket of the user as password renews it (proxmoxer does so after an hour), as in Proxmox.
        var ok = await throttle.AttemptAsync(address, user, () => Task.FromResult(
            PermissionEvaluator.UserActive(access.State, user, access.Now)
            && (password.StartsWith("PVE:", StringComparison.Ordinal)
                ? Tickets.Verify(password, access.Now, access.State.TicketKey) == user
                : user == AccessState.Root ? root.Verify(password)
                : Secrets.VerifyPassword(password, access.State.Users[user].PasswordHash)) ? user : null));
        if (ok is null || access.State.TicketKey is not { } key) return PveResult.Error("authentication failure", 401);
        var now = access.Now;
        return PveResult.Data(new Dictionary<string, object?>
        {
            ["username"] = user,
            ["ticket"] = Tickets.Create(user, now, key),
            ["CSRFPreventionToken"] = Tickets.Csrf(user, now, key),
            ["cap"] = Capabilities(access, user),
        });
    }

    /// <summary>Proxmox's <c>cap</c>: per area the privileges the user holds on it or anywhere below it.</summary>
    private static Dictionary<string, object?> Capabilities(AccessService access, string user)
    {
        var areas = new (string Name, string Path, string[] Prefixes)[]
        {
            ("vms", "/vms", ["VM."]), ("storage", "/storage", ["Datastore."]), ("nodes", "/nodes", ["Sys."]),
            ("access", "/access", ["User.", "Group.", "Realm."]), ("dc", "/", ["Sys.Audit", "SDN."]),
        };
        var cap = new Dictionary<string, object?>();
        foreach (var (name, path, prefixes) in areas)
        {
            var paths = access.State.Acl.Select(a => a.Path)
                .Where(a => path == "/" ? a == "/" : a == path || a.StartsWith(path + "/", StringComparison.Ordinal)).Append(path);
            cap[name] = paths.SelectMany(x => access.Privileges(user, x))
                .Where(x => x == "Permissions.Modify" || prefixes.Any(pre => x.StartsWith(pre, StringComparison.Ordinal)))
                .Distinct().Order(StringComparer.Ordinal).ToDictionary(x => x, _ => (object)1);
        }
        return cap;
    }

    private static readonly ParamSchema AclSchema = new(
        new ParamSpec("path", Optional: false, MaxLength: 128), new ParamSpec("roles", Optional: false),
        new ParamSpec("users"), new ParamSpec("tokens"), new ParamSpec("groups"),
        new ParamSpec("propagate", PType.Boolean), new ParamSpec("delete", PType.Boolean));

    private static async Task<IResult> UpdateAcl(HttpContext ctx, AccessService access, PveParams p)
    {
        if (p["groups"] is not null) return PveResult.ParamError("groups", "groups are not supported by this server");
        if (p["users"] is null && p["tokens"] is null)
            return PveResult.ParamErrors(new Dictionary<string, string>
            {
                ["users"] = "either 'users', 'groups' or 'tokens' is required.",
                ["tokens"] = "either 'users', 'groups' or 'tokens' is required.",
            });
        var delete = p.Bool("delete");
        var path = AccessIds.NormalizePath(p["path"]);
        if (path is null || (!delete && !AccessIds.IsAclPath(path))) return PveResult.ParamError("path", $"invalid ACL path '{p["path"]}'");
        var caller = ctx.Caller().AuthId;
        if (!access.Has(caller, path, "Permissions.Modify")) return Forbidden(path, "Permissions.Modify");
        var error = await access.ChangeAsync(new ModifyAcl(path, List(p["roles"]), List(p["users"]), List(p["tokens"]),
            p.Bool("propagate", true), delete));
        return error is null ? PveResult.Data(null) : PveResult.Error(error);
    }

    /// <summary>pve-common's split_list: commas, semicolons or whitespace.</summary>
    public static IReadOnlyList<string> List(string? v) =>
        v is null ? [] : v.Split([',', ';', ' ', '\t', '\n', '\0'], StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
}

/// <summary>Random salts and token secrets (the API's randomness for access control).</summary>
public static class AccessSecrets
{
    public static byte[] Salt() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);

    public static string NewTokenSecret() => Guid.NewGuid().ToString();
}
