using System.Security.Cryptography;
using System.Text;
using ActorMigration.Domain.Access;
using Microsoft.AspNetCore.Http.Features;

namespace ActorMigration.Api.Http;

/// <summary>
/// Authentication of every API request except <c>/access/ticket</c>:
/// <list type="bullet">
/// <item><c>Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET</c> (split on the last '='): the admin token file
/// (<c>root@pam!admin</c>) or a token of the access store (not expired, its user enabled and not expired);</item>
/// <item>a ticket from <c>POST /access/ticket</c> in the <c>PVEAuthCookie</c> cookie or <c>Authorization: PVEAuthCookie=…</c>;
/// requests other than GET/HEAD with a ticket also need its <c>CSRFPreventionToken</c> header.</item>
/// </list>
/// Failures are 401 with the reason in the status line and an empty body, after the throttle's delay, as Proxmox does.
/// </summary>
public sealed class TokenAuth(RequestDelegate next, TokenStore admin, AccessService access, LoginThrottle throttle)
{
    public const string UserItem = "pve-user";
    public const string Cookie = "PVEAuthCookie";
    public const string CsrfHeader = "CSRFPreventionToken";
    private const string TokenPrefix = "PVEAPIToken=";

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (ctx.Request.Path.Value?.TrimEnd('/') == "/api2/json/access/ticket")
        {
            await next(ctx);
            return;
        }
        var header = ctx.Request.Headers.Authorization.ToString();
        var ticket = header.StartsWith(Cookie + "=", StringComparison.Ordinal) ? header[(Cookie.Length + 1)..]
            : string.IsNullOrEmpty(header) ? ctx.Request.Cookies[Cookie] : null;
        if (string.IsNullOrEmpty(header) && string.IsNullOrEmpty(ticket))
        {
            await Refuse(ctx, "No ticket");
            return;
        }
        var address = ctx.Connection.RemoteIpAddress?.ToString() ?? "";
        Caller? caller;
        if (ticket is not null)
        {
            await access.WaitLoadedAsync(ctx.RequestAborted);
            caller = await throttle.AttemptAsync(address, TicketUser(ticket), () => Task.FromResult(VerifyTicket(ticket)));
            if (caller is not null && !HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method)
                && !Tickets.VerifyCsrf(ctx.Request.Headers[CsrfHeader].ToString(), caller.AuthId, access.Now, access.State.TicketKey))
            {
                await Refuse(ctx, "Permission denied - invalid csrf token");
                return;
            }
        }
        else if (header.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            var value = header[TokenPrefix.Length..];
            if (!value.StartsWith(AccessState.AdminTokenId + "=", StringComparison.Ordinal)) await access.WaitLoadedAsync(ctx.RequestAborted);
            caller = await throttle.AttemptAsync(address, value.Split('!')[0], () => Task.FromResult(VerifyToken(value)));
        }
        else caller = await throttle.AttemptAsync(address, null, () => Task.FromResult<Caller?>(null));
        if (caller is null)
        {
            await Refuse(ctx, "Authentication failed!");
            return;
        }
        ctx.Items[UserItem] = caller.AuthId;
        ctx.SetCaller(caller);
        await next(ctx);
    }

    private Caller? VerifyTicket(string ticket)
    {
        var user = Tickets.Verify(ticket, access.Now, access.State.TicketKey);
        return user is not null && PermissionEvaluator.UserActive(access.State, user, access.Now) ? new Caller(user) : null;
    }

    private Caller? VerifyToken(string value)
    {
        if (admin.Verify(value, out var adminId)) return new Caller(adminId);
        var eq = value.LastIndexOf('=');
        if (eq <= 0) return null;
        var s = access.State;
        if (!s.Tokens.TryGetValue(value[..eq], out var token) || PermissionEvaluator.Expired(token.Expire, access.Now)
            || !PermissionEvaluator.UserActive(s, token.UserId, access.Now) || !Secrets.VerifyTokenSecret(value[(eq + 1)..], token.SecretHash))
            return null;
        return new Caller(token.FullId);
    }

    private static string? TicketUser(string ticket) => ticket.Split(':') is ["PVE", var user, ..] ? user : null;

    private static Task Refuse(HttpContext ctx, string reason)
    {
        ctx.Response.StatusCode = 401;
        ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = reason;
        return Task.CompletedTask;
    }

    public static string UserOf(HttpContext ctx) => (string)ctx.Items[UserItem]!;

    /// <summary>The authenticated id (root@pam, alice@pve, alice@pve!ci), as root-only checks compare it.</summary>
    public static string AuthUserOf(HttpContext ctx) => ctx.Items[UserItem] is string u ? u : "";
}

/// <summary>The admin token file: full token id → secret.</summary>
public sealed class TokenStore
{
    private readonly Dictionary<string, byte[]> _secrets = new(StringComparer.Ordinal);

    public TokenStore(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var eq = line.LastIndexOf('=');
            if (eq > 0) _secrets[line[..eq]] = Encoding.UTF8.GetBytes(line[(eq + 1)..]);
        }
    }

    public bool Verify(string value, out string user)
    {
        user = "";
        var eq = value.LastIndexOf('=');
        if (eq <= 0) return false;
        var id = value[..eq];
        if (!_secrets.TryGetValue(id, out var secret)) return false;
        if (!CryptographicOperations.FixedTimeEquals(secret, Encoding.UTF8.GetBytes(value[(eq + 1)..]))) return false;
        user = id;
        return true;
    }
}
