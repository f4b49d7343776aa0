using System.Security.Cryptography;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Access;
using Microsoft.Extensions.DependencyInjection;

namespace ActorMigration.TestSupport;

/// <summary>
/// Callers other than the admin token for tests: a <c>root@pam</c> ticket session (root-only keys need it: a token is
/// never root), and users with tokens and ACL entries made in the member's access store.
/// </summary>
public static class AccessSessions
{
    private static async Task<AccessService> Access(InProcessServer server)
    {
        var access = server.Services.GetRequiredService<AccessService>();
        await access.WaitLoadedAsync(CancellationToken.None);
        return access;
    }

    /// <summary>A client logged in as <c>root@pam</c>: its ticket cookie and CSRF token, signed with the member's key.</summary>
    public static Task<PveClient> RootSession(this InProcessServer server) => server.Session(AccessState.Root);

    /// <summary>A ticket session of a <c>pve</c> user, created if new, with each (path, role) granted to it.</summary>
    public static async Task<PveClient> UserSession(this InProcessServer server, string user, params (string Path, string Role)[] acl)
    {
        var access = await Access(server);
        await EnsureUser(access, user);
        foreach (var (path, role) in acl)
            Check(await access.ChangeAsync(new ModifyAcl(path, [role], [user], [], Propagate: true, Delete: false)));
        return await server.Session(user);
    }

    private static async Task<PveClient> Session(this InProcessServer server, string user)
    {
        var access = await Access(server);
        await PveClient.Eventually(() => Task.FromResult(access.State.TicketKey is not null), TimeSpan.FromSeconds(15), "ticket key");
        var key = access.State.TicketKey!;
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("Cookie", $"{TokenAuth.Cookie}={Tickets.Create(user, access.Now, key)}");
        http.DefaultRequestHeaders.Add(TokenAuth.CsrfHeader, Tickets.Csrf(user, access.Now, key));
        return new PveClient(http, null);
    }

    private static async Task EnsureUser(AccessService access, string user)
    {
        if (!access.State.Users.ContainsKey(user))
            Check(await access.ChangeAsync(new CreateUser(new AccessUser(user, true, 0, null, null, null, null, null))));
    }

    /// <summary>
    /// Creates the user (if new) and a token of it, grants each (path, role) to the user and, with privsep (where the token
    /// holds what both it and its user hold), to the token too, and
    /// returns the token as the Authorization header value wants it: <c>user@realm!id=secret</c>.
    /// </summary>
    public static async Task<string> CreateToken(this InProcessServer server, string user, string tokenId, bool privsep,
        params (string Path, string Role)[] acl)
    {
        var access = await Access(server);
        await EnsureUser(access, user);
        var secret = Guid.NewGuid().ToString();
        var hash = Secrets.HashTokenSecret(secret, RandomNumberGenerator.GetBytes(16));
        Check(await access.ChangeAsync(new CreateToken(new AccessToken(user, tokenId, privsep, 0, null, hash))));
        var full = AccessIds.FullTokenId(user, tokenId);
        foreach (var (path, role) in acl)
            Check(await access.ChangeAsync(new ModifyAcl(path, [role], [user], privsep ? [full] : [], Propagate: true, Delete: false)));
        return $"{full}={secret}";
    }

    private static void Check(string? error)
    {
        if (error is not null) throw new InvalidOperationException($"access change refused: {error}");
    }
}
