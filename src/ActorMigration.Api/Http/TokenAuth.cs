using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace ActorMigration.Api.Http;

/// <summary>
/// <c>Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET</c> (split on the last '=').
/// Failures are 401 with the reason in the status line and an empty body, after a delay, as Proxmox does.
/// </summary>
public sealed class TokenAuth(RequestDelegate next, TokenStore tokens, int failDelayMs)
{
    public const string UserItem = "pve-user";

    public async Task InvokeAsync(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        string? failure = null;
        if (string.IsNullOrEmpty(header) && !ctx.Request.Cookies.ContainsKey("PVEAuthCookie"))
            failure = "No ticket";
        else if (!header.StartsWith("PVEAPIToken=", StringComparison.Ordinal) || !tokens.Verify(header["PVEAPIToken=".Length..], out var user))
            failure = "Authentication failed!";
        else
        {
            ctx.Items[UserItem] = user;
            ctx.SetCaller(new Caller(user));
            await next(ctx);
            return;
        }
        if (failDelayMs > 0) await Task.Delay(failDelayMs);
        ctx.Response.StatusCode = 401;
        ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = failure;
    }

    public static string UserOf(HttpContext ctx) => (string)ctx.Items[UserItem]!;

    /// <summary>The user without the token part (root@pam), as root-only checks compare it.</summary>
    public static string AuthUserOf(HttpContext ctx) => ctx.Items[UserItem] is string u ? u : "";
}

/// <summary>Known API tokens: full token id → secret.</summary>
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
