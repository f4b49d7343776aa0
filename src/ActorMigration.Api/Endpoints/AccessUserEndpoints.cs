using ActorMigration.Api.Http;
using ActorMigration.Domain.Access;

namespace ActorMigration.Api.Endpoints;

/// <summary>/access/users and their API tokens (pve-access-control's PVE/API2/User.pm shapes).</summary>
public static class AccessUserEndpoints
{
    private const string Groups = "/access/groups";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/access/users", (HttpContext ctx, AccessService access) =>
            Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("enabled", PType.Boolean), new ParamSpec("full", PType.Boolean)), p =>
            {
                var caller = ctx.Caller();
                var all = access.Has(caller.AuthId, Groups, "User.Modify") || access.Has(caller.AuthId, Groups, "Sys.Audit");
                var users = access.State.Users.Values
                    .Where(u => all || u.UserId == caller.User)
                    .Where(u => p["enabled"] is null || u.Enable == p.Bool("enabled"))
                    .OrderBy(u => u.UserId, StringComparer.Ordinal)
                    .Select(u =>
                    {
                        var e = UserFields(u);
                        e["userid"] = u.UserId;
                        e["realm-type"] = AccessIds.RealmOf(u.UserId);
                        if (p.Bool("full")) e["tokens"] = TokensOf(access.State, u.UserId).Select(t => TokenEntry(t, true)).ToList();
                        return e;
                    }).ToList();
                return Task.FromResult(PveResult.Data(users));
            }));

        api.MapPost("/access/users", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, UserSchema(create: true), async p =>
        {
            var caller = ctx.Caller().AuthId;
            var user = p["userid"]!;
            if (!AccessIds.IsUserId(user)) return PveResult.ParamError("userid", "value does not look like a valid user id");
            if (!access.Has(caller, Groups, "User.Modify")) return AccessEndpoints.Forbidden(Groups, "User.Modify");
            if (!access.Has(caller, $"/access/realm/{AccessIds.RealmOf(user)}", "Realm.AllocateUser"))
                return AccessEndpoints.Forbidden($"/access/realm/{AccessIds.RealmOf(user)}", "Realm.AllocateUser");
            if (p["password"] is { Length: < 5 }) return PveResult.ParamError("password", "value must be at least 5 characters long");
            var hash = p["password"] is { } pw ? Secrets.HashPassword(pw, AccessSecrets.Salt()) : null;
            var error = await access.ChangeAsync(new CreateUser(new AccessUser(user, p.Bool("enable", true), p.Long("expire") ?? 0,
                p["firstname"], p["lastname"], p["email"], p["comment"], hash)));
            return error is null ? PveResult.Data(null) : PveResult.Error(error);
        }));

        api.MapGet("/access/users/{userid}", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, UserIdOnly(), p =>
        {
            var user = p["userid"]!;
            if (MayNotRead(ctx, access, user) is { } refused) return Task.FromResult(refused);
            if (!access.State.Users.TryGetValue(user, out var u)) return Task.FromResult(PveResult.Error($"no such user ('{user}')"));
            var e = UserFields(u);
            e["groups"] = Array.Empty<string>();
            e["tokens"] = TokensOf(access.State, user).ToDictionary(t => t.TokenId, t => (object?)TokenEntry(t, false));
            return Task.FromResult(PveResult.Data(e));
        }));

        api.MapPut("/access/users/{userid}", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, UserSchema(create: false), async p =>
        {
            if (!access.Has(ctx.Caller().AuthId, Groups, "User.Modify")) return AccessEndpoints.Forbidden(Groups, "User.Modify");
            var error = await access.ChangeAsync(new UpdateUser(p["userid"]!, p["enable"] is null ? null : p.Bool("enable"), p.Long("expire"),
                p["firstname"], p["lastname"], p["email"], p["comment"]));
            return error is null ? PveResult.Data(null) : PveResult.Error(error);
        }));

        api.MapDelete("/access/users/{userid}", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, UserIdOnly(), async p =>
        {
            var caller = ctx.Caller().AuthId;
            var user = p["userid"]!;
            if (!access.Has(caller, Groups, "User.Modify")) return AccessEndpoints.Forbidden(Groups, "User.Modify");
            if (AccessIds.IsUserId(user) && !access.Has(caller, $"/access/realm/{AccessIds.RealmOf(user)}", "Realm.AllocateUser"))
                return AccessEndpoints.Forbidden($"/access/realm/{AccessIds.RealmOf(user)}", "Realm.AllocateUser");
            var error = await access.ChangeAsync(new DeleteUser(user));
            return error is null ? PveResult.Data(null) : PveResult.Error(error);
        }));

        MapTokens(api);
    }

    private static void MapTokens(RouteGroupBuilder api)
    {
        api.MapGet("/access/users/{userid}/token", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, UserIdOnly(), p =>
        {
            var user = p["userid"]!;
            if (MayNotManageTokens(ctx, access, user) is { } refused) return Task.FromResult(refused);
            if (!access.State.Users.ContainsKey(user)) return Task.FromResult(PveResult.Error($"no such user ('{user}')"));
            return Task.FromResult(PveResult.Data(TokensOf(access.State, user).Select(t => TokenEntry(t, true)).ToList()));
        }));

        api.MapGet("/access/users/{userid}/token/{tokenid}", (HttpContext ctx, AccessService access) => Handler.Run(ctx, Need.User, TokenSchema(false), p =>
        {
            var (user, name) = (p["userid"]!, p["tokenid"]!);
            if (MayNotManageTokens(ctx, access, user) is { } refused) return Task.FromResult(refused);
            return Task.FromResult(access.State.Tokens.TryGetValue(AccessIds.FullTokenId(user, name), out var t)
                ? PveResult.Data(TokenEntry(t, false))
                : PveResult.Error(access.State.Users.ContainsKey(user) ? $"no such token '{name}' for user '{user}'" : $"no such user ('{user}')"));
        }));

        api.MapPost("/access/users/{userid}/token/{tokenid}", (HttpContext ctx, AccessService access) =>
            Handler.Run(ctx, Need.User, TokenSchema(true), async p =>
        {
            var (user, name) = (p["userid"]!, p["tokenid"]!);
            if (MayNotManageTokens(ctx, access, user) is { } refused) return refused;
            var secret = AccessSecrets.NewTokenSecret();
            var expire = p.Long("expire") ?? (access.State.Users.TryGetValue(user, out var u) ? u.Expire : 0);
            var token = new AccessToken(user, name, p.Bool("privsep", true), expire, p["comment"], Secrets.HashTokenSecret(secret, AccessSecrets.Salt()));
            var error = await access.ChangeAsync(new CreateToken(token));
            if (error is not null) return PveResult.Error(error);
            return PveResult.Data(new Dictionary<string, object?>
            {
                ["full-tokenid"] = token.FullId,
                ["info"] = TokenEntry(token, false),
                ["value"] = secret,
            });
        }));

        api.MapPut("/access/users/{userid}/token/{tokenid}", (HttpContext ctx, AccessService access) =>
            Handler.Run(ctx, Need.User, TokenSchema(true), async p =>
        {
            var (user, name) = (p["userid"]!, p["tokenid"]!);
            if (MayNotManageTokens(ctx, access, user) is { } refused) return refused;
            var error = await access.ChangeAsync(new UpdateToken(user, name, p["privsep"] is null ? null : p.Bool("privsep"), p.Long("expire"), p["comment"]));
            return error is not null ? PveResult.Error(error)
                : PveResult.Data(TokenEntry(access.State.Tokens[AccessIds.FullTokenId(user, name)], false));
        }));

        api.MapDelete("/access/users/{userid}/token/{tokenid}", (HttpContext ctx, AccessService access) =>
            Handler.Run(ctx, Need.User, TokenSchema(false), async p =>
        {
            var (user, name) = (p["userid"]!, p["tokenid"]!);
            if (MayNotManageTokens(ctx, access, user) is { } refused) return refused;
            var error = await access.ChangeAsync(new DeleteToken(user, name));
            return error is null ? PveResult.Data(null) : PveResult.Error(error);
        }));
    }

    /// <summary>One's own record, or anyone's with User.Modify or Sys.Audit on /access/groups.</summary>
    private static IResult? MayNotRead(HttpContext ctx, AccessService access, string user)
    {
        var caller = ctx.Caller();
        if (caller.User == user || access.Has(caller.AuthId, Groups, "User.Modify") || access.Has(caller.AuthId, Groups, "Sys.Audit")) return null;
        return AccessEndpoints.Forbidden(Groups, "User.Modify");
    }

    /// <summary>
    /// The user itself (logged in with a ticket, not through one of its tokens: a privsep token must not mint a token
    /// with its user's full privileges), or anyone with User.Modify on /access/users/{userid}.
    /// </summary>
    private static IResult? MayNotManageTokens(HttpContext ctx, AccessService access, string user)
    {
        var caller = ctx.Caller();
        if ((!caller.IsToken && caller.AuthId == user) || access.Has(caller.AuthId, $"/access/users/{user}", "User.Modify")) return null;
        return AccessEndpoints.Forbidden($"/access/users/{user}", "User.Modify");
    }

    private static IEnumerable<AccessToken> TokensOf(AccessState s, string user) =>
        s.Tokens.Values.Where(t => t.UserId == user).OrderBy(t => t.TokenId, StringComparer.Ordinal);

    private static Dictionary<string, object?> TokenEntry(AccessToken t, bool withId)
    {
        var e = new Dictionary<string, object?>();
        if (withId) e["tokenid"] = t.TokenId;
        e["privsep"] = t.Privsep ? 1 : 0;
        e["expire"] = t.Expire;
        if (t.Comment is not null) e["comment"] = t.Comment;
        return e;
    }

    private static Dictionary<string, object?> UserFields(AccessUser u)
    {
        var e = new Dictionary<string, object?> { ["enable"] = u.Enable ? 1 : 0, ["expire"] = u.Expire };
        if (u.Firstname is not null) e["firstname"] = u.Firstname;
        if (u.Lastname is not null) e["lastname"] = u.Lastname;
        if (u.Email is not null) e["email"] = u.Email;
        if (u.Comment is not null) e["comment"] = u.Comment;
        return e;
    }

    private static ParamSpec UserIdSpec() => new("userid", Optional: false, MaxLength: 64,
        Format: v => AccessIds.IsUserId(v) ? null : "invalid format - value does not look like a valid user id");

    private static ParamSchema UserIdOnly() => new(UserIdSpec());

    private static ParamSchema UserSchema(bool create)
    {
        var specs = new List<ParamSpec>
        {
            UserIdSpec(), new("enable", PType.Boolean), new("expire", PType.Integer, Min: 0), new("firstname", MaxLength: 1024),
            new("lastname", MaxLength: 1024), new("email", MaxLength: 254), new("comment", MaxLength: 2048),
            new("groups"), new("keys"),
        };
        if (create) specs.Add(new("password", MaxLength: 64));
        else specs.Add(new("append", PType.Boolean));
        return new ParamSchema([.. specs]);
    }

    private static ParamSchema TokenSchema(bool options)
    {
        var specs = new List<ParamSpec>
        {
            UserIdSpec(),
            new("tokenid", Optional: false, MaxLength: 64,
                Format: v => AccessIds.IsTokenName(v) ? null : "invalid format - value does not look like a valid token id"),
        };
        if (options) specs.AddRange([new("privsep", PType.Boolean), new("expire", PType.Integer, Min: 0), new("comment", MaxLength: 4096)]);
        return new ParamSchema([.. specs]);
    }
}
