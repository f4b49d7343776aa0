namespace ActorMigration.Domain.Access;

/// <summary>The access configuration as Decide(state, command) → events or Proxmox's error text, and Apply.</summary>
public static class AccessDecider
{
    public static (IReadOnlyList<IAccessEvent> Events, string? Error) Decide(AccessState s, IAccessCommand command) => command switch
    {
        CreateUser c => Create(s, c),
        UpdateUser c => Update(s, c),
        DeleteUser c => !s.Users.ContainsKey(c.UserId) ? Fail($"delete user failed: user '{c.UserId}' does not exist")
            : c.UserId == AccessState.Root ? Fail("delete user failed: cannot delete 'root@pam'")
            : Ok(new UserDeleted(c.UserId)),
        SetPassword c => !s.Users.TryGetValue(c.UserId, out var u) ? Fail($"change password failed: user '{c.UserId}' does not exist")
            : Ok(new UserSaved(u with { PasswordHash = c.PasswordHash })),
        CreateToken c => CreateTok(s, c.Token),
        UpdateToken c => UpdateTok(s, c),
        DeleteToken c => s.Tokens.ContainsKey(AccessIds.FullTokenId(c.UserId, c.TokenId))
            ? Ok(new TokenDeleted(c.UserId, c.TokenId))
            : Fail($"deleting token failed: {NoToken(s, c.UserId, c.TokenId)}"),
        ModifyAcl c => Acl(s, c),
        EnsureTicketKey c => s.TicketKey is null ? Ok(new TicketKeySet(c.Key)) : Ok(),
        CreatePool or UpdatePool or DeletePool or SetVmPool => PoolDecider.Decide(s, command),
        _ => Fail($"unknown access command {command.GetType().Name}"),
    };

    private static (IReadOnlyList<IAccessEvent>, string?) Ok(params IAccessEvent[] events) => (events, null);

    private static (IReadOnlyList<IAccessEvent>, string?) Fail(string error) => ([], error);

    private static string NoToken(AccessState s, string user, string token) =>
        s.Users.ContainsKey(user) ? $"no such token '{token}' for user '{user}'" : $"user '{user}' does not exist";

    private static (IReadOnlyList<IAccessEvent>, string?) Create(AccessState s, CreateUser c)
    {
        if (s.Users.ContainsKey(c.User.UserId)) return Fail($"create user failed: user '{c.User.UserId}' already exists");
        if (AccessIds.RealmOf(c.User.UserId) != "pve")
            return Fail($"create user failed: realm '{AccessIds.RealmOf(c.User.UserId)}' does not allow new users (only 'pve')");
        return Ok(new UserSaved(c.User));
    }

    private static (IReadOnlyList<IAccessEvent>, string?) Update(AccessState s, UpdateUser c)
    {
        if (!s.Users.TryGetValue(c.UserId, out var u)) return Fail($"update user failed: user '{c.UserId}' does not exist");
        return Ok(new UserSaved(u with
        {
            Enable = c.Enable ?? u.Enable,
            Expire = c.Expire ?? u.Expire,
            Firstname = c.Firstname ?? u.Firstname,
            Lastname = c.Lastname ?? u.Lastname,
            Email = c.Email ?? u.Email,
            Comment = c.Comment ?? u.Comment,
        }));
    }

    private static (IReadOnlyList<IAccessEvent>, string?) CreateTok(AccessState s, AccessToken t)
    {
        if (!s.Users.ContainsKey(t.UserId)) return Fail($"generating API token failed: user '{t.UserId}' does not exist");
        if (s.Tokens.ContainsKey(t.FullId) || t.FullId == AccessState.AdminTokenId) return Fail("generating API token failed: Token already exists.");
        return Ok(new TokenSaved(t));
    }

    private static (IReadOnlyList<IAccessEvent>, string?) UpdateTok(AccessState s, UpdateToken c)
    {
        if (!s.Tokens.TryGetValue(AccessIds.FullTokenId(c.UserId, c.TokenId), out var t))
            return Fail($"updating API token failed: {NoToken(s, c.UserId, c.TokenId)}");
        return Ok(new TokenSaved(t with { Privsep = c.Privsep ?? t.Privsep, Expire = c.Expire ?? t.Expire, Comment = c.Comment ?? t.Comment }));
    }

    private static (IReadOnlyList<IAccessEvent>, string?) Acl(AccessState s, ModifyAcl c)
    {
        foreach (var role in c.Roles)
            if (!Privileges.Roles.ContainsKey(role)) return Fail($"ACL update failed: role '{role}' does not exist");
        foreach (var user in c.Users)
            if (!s.Users.ContainsKey(user)) return Fail($"ACL update failed: user '{user}' does not exist");
        foreach (var token in c.Tokens)
        {
            if (!AccessIds.TrySplitToken(token, out var user, out var name)) return Fail($"ACL update failed: invalid token id '{token}'");
            if (!s.Tokens.ContainsKey(token)) return Fail($"ACL update failed: {NoToken(s, user, name)}");
        }
        var events = new List<IAccessEvent>();
        foreach (var subject in c.Users.Concat(c.Tokens))
            foreach (var role in c.Roles)
            {
                var existing = s.Acl.Find(e => e.Path == c.Path && e.Subject == subject && e.Role == role);
                if (c.Delete)
                {
                    if (existing is not null) events.Add(new AclRevoked(c.Path, subject, role));
                }
                else if (existing is null || existing.Propagate != c.Propagate)
                    events.Add(new AclGranted(new AclEntry(c.Path, subject, role, c.Propagate)));
            }
        return (events, null);
    }

    public static AccessState Apply(AccessState s, IAccessEvent e)
    {
        s = s with { Version = s.Version + 1 };
        return e switch
        {
            UserSaved x => s with { Users = s.Users.SetItem(x.User.UserId, x.User) },
            UserDeleted x => s with
            {
                Users = s.Users.Remove(x.UserId),
                Tokens = s.Tokens.RemoveRange(s.Tokens.Values.Where(t => t.UserId == x.UserId).Select(t => t.FullId)),
                Acl = s.Acl.RemoveAll(a => a.Subject == x.UserId || a.Subject.StartsWith(x.UserId + "!", StringComparison.Ordinal)),
            },
            TokenSaved x => s with { Tokens = s.Tokens.SetItem(x.Token.FullId, x.Token) },
            TokenDeleted x => s with
            {
                Tokens = s.Tokens.Remove(AccessIds.FullTokenId(x.UserId, x.TokenId)),
                Acl = s.Acl.RemoveAll(a => a.Subject == AccessIds.FullTokenId(x.UserId, x.TokenId)),
            },
            AclGranted x => s with
            {
                Acl = s.Acl.RemoveAll(a => a.Path == x.Entry.Path && a.Subject == x.Entry.Subject && a.Role == x.Entry.Role).Add(x.Entry),
            },
            AclRevoked x => s with { Acl = s.Acl.RemoveAll(a => a.Path == x.Path && a.Subject == x.Subject && a.Role == x.Role) },
            TicketKeySet x => s with { TicketKey = x.Key },
            PoolSaved or PoolDeleted => PoolDecider.Apply(s, e),
            _ => s,
        };
    }
}
