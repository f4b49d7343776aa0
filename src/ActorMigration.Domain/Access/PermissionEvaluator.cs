namespace ActorMigration.Domain.Access;

/// <summary>
/// Proxmox's permission computation (AccessControl::roles, RPCEnvironment::permissions) without groups or pools:
/// root@pam holds every privilege; for anyone else the ACL entries on the most specific path that names them win
/// (an entry on a parent counts only when it propagates); NoAccess among the roles means nothing. A disabled or
/// expired user, or an expired token, holds nothing. A token with privsep=0 holds its user's privileges, with
/// privsep=1 the intersection of its user's and its own.
/// </summary>
public static class PermissionEvaluator
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    public static bool Has(AccessState s, string authId, string path, string privilege, long now) =>
        Privileges(s, authId, path, now).Contains(privilege);

    public static IReadOnlySet<string> Privileges(AccessState s, string authId, string path, long now)
    {
        if (authId.Contains('!', StringComparison.Ordinal))
        {
            if (!AccessIds.TrySplitToken(authId, out var user, out _)) return None;
            var userPrivs = Privileges(s, user, path, now);
            if (authId == AccessState.AdminTokenId) return userPrivs;
            if (!s.Tokens.TryGetValue(authId, out var token) || Expired(token.Expire, now)) return None;
            if (!token.Privsep) return userPrivs;
            var own = FromAcl(s, authId, path);
            return userPrivs.Where(own.Contains).ToHashSet(StringComparer.Ordinal);
        }
        if (!UserActive(s, authId, now)) return None;
        if (authId == AccessState.Root) return Access.Privileges.All;
        return FromAcl(s, authId, path);
    }

    /// <summary>Whether the user exists, is enabled and not expired (Proxmox's check_user_enabled).</summary>
    public static bool UserActive(AccessState s, string userId, long now) =>
        s.Users.TryGetValue(userId, out var u) && u.Enable && !Expired(u.Expire, now);

    public static bool Expired(long expire, long now) => expire > 0 && expire < now;

    /// <summary>The roles of a user or token on a path: those of the deepest path (/ or an ancestor or the path) naming it.</summary>
    public static IReadOnlyCollection<string> Roles(AccessState s, string subject, string path)
    {
        IReadOnlyCollection<string> roles = [];
        foreach (var group in s.Acl.Where(a => a.Subject == subject && Covers(a.Path, path)).GroupBy(a => a.Path).OrderBy(g => Depth(g.Key)))
        {
            var final = group.Key == path;
            var applying = group.Where(a => final || a.Propagate).Select(a => a.Role).ToList();
            if (applying.Count > 0) roles = applying;
        }
        return roles.Contains(Access.Privileges.NoAccess) ? [Access.Privileges.NoAccess] : roles;
    }

    private static HashSet<string> FromAcl(AccessState s, string subject, string path) =>
        Roles(s, subject, path).SelectMany(r => Access.Privileges.Roles.TryGetValue(r, out var p) ? p : None).ToHashSet(StringComparer.Ordinal);

    private static bool Covers(string aclPath, string path) =>
        aclPath == "/" || aclPath == path || path.StartsWith(aclPath + "/", StringComparison.Ordinal);

    private static int Depth(string path) => path == "/" ? 0 : path.Count(c => c == '/');
}
