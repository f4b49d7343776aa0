using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Access;

/// <summary>A user of the <c>pve</c> realm (or the built-in <c>root@pam</c>). Expire is a Unix time, 0 = never.</summary>
public sealed record AccessUser(
    string UserId, bool Enable, long Expire, string? Firstname, string? Lastname, string? Email, string? Comment, string? PasswordHash);

/// <summary>An API token <c>user@realm!tokenid</c>; only a salted hash of its secret is kept.</summary>
public sealed record AccessToken(string UserId, string TokenId, bool Privsep, long Expire, string? Comment, string SecretHash)
{
    public string FullId => AccessIds.FullTokenId(UserId, TokenId);
}

/// <summary>One ACL entry: on <paramref name="Path"/>, the user or token <paramref name="Subject"/> holds the role.</summary>
public sealed record AclEntry(string Path, string Subject, string Role, bool Propagate);

/// <summary>
/// The whole access configuration (Proxmox's user.cfg plus the ticket key). <see cref="Version"/> grows with every
/// applied event, so a member keeps the newest copy it has seen.
/// </summary>
public sealed record AccessState(
    long Version,
    ImmutableDictionary<string, AccessUser> Users,
    ImmutableDictionary<string, AccessToken> Tokens,
    ImmutableList<AclEntry> Acl,
    string? TicketKey)
{
    public const string Root = "root@pam";

    /// <summary>Resource pools (user.cfg's <c>pool:</c> lines); absent in a state from a member that predates them.</summary>
    public ImmutableDictionary<string, AccessPool> Pools { get; init; } = ImmutableDictionary.Create<string, AccessPool>(StringComparer.Ordinal);

    /// <summary>The admin token file's token: root's, privsep=0, not stored here.</summary>
    public const string AdminTokenId = "root@pam!admin";

    public static readonly AccessState Empty = new(0,
        ImmutableDictionary.Create<string, AccessUser>(StringComparer.Ordinal)
            .Add(Root, new AccessUser(Root, true, 0, null, null, null, null, null)),
        ImmutableDictionary.Create<string, AccessToken>(StringComparer.Ordinal),
        [], null);
}

/// <summary>User, token and ACL path syntax as pve-access-control checks it.</summary>
public static partial class AccessIds
{
    public static string FullTokenId(string user, string token) => $"{user}!{token}";

    /// <summary><c>name@realm</c>: name without whitespace, ':' or '/', realm a letter then letters, digits, '.', '-', '_'.</summary>
    public static bool IsUserId(string s) => s.Length < 64 && UserRegex().IsMatch(s);

    public static bool IsTokenName(string s) => TokenRegex().IsMatch(s);

    public static bool TrySplitToken(string full, out string user, out string token)
    {
        var bang = full.IndexOf('!');
        user = bang > 0 ? full[..bang] : "";
        token = bang > 0 ? full[(bang + 1)..] : "";
        return bang > 0 && IsUserId(user) && IsTokenName(token);
    }

    public static string RealmOf(string userId) => userId[(userId.LastIndexOf('@') + 1)..];

    /// <summary>Proxmox's normalize_path: collapse slashes, drop a trailing one; null when characters are invalid.</summary>
    public static string? NormalizePath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        path = SlashesRegex().Replace(path, "/").TrimEnd('/');
        if (path.Length == 0) path = "/";
        if (!path.StartsWith('/')) path = "/" + path;
        return PathCharsRegex().IsMatch(path) ? path : null;
    }

    /// <summary>The ACL paths this engine has objects for (a subset of Proxmox's check_path).</summary>
    public static bool IsAclPath(string path) => AclPathRegex().IsMatch(path);

    [GeneratedRegex(@"^[^\s:/]+@[A-Za-z][A-Za-z0-9\.\-_]+$")]
    private static partial Regex UserRegex();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9\.\-_]+$")]
    private static partial Regex TokenRegex();

    [GeneratedRegex("/+")]
    private static partial Regex SlashesRegex();

    [GeneratedRegex(@"^[A-Za-z0-9\.\-_/]+$")]
    private static partial Regex PathCharsRegex();

    [GeneratedRegex(@"^(/|/access|/nodes|/nodes/[A-Za-z0-9\.\-_]+|/pool|/pool/[A-Za-z0-9\.\-_]+"
        + @"|/storage|/storage/[A-Za-z0-9\.\-_]+|/vms|/vms/[1-9][0-9]{2,})$")]
    private static partial Regex AclPathRegex();
}
