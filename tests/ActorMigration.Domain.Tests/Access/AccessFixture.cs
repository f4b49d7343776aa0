using ActorMigration.Domain.Access;

namespace ActorMigration.Domain.Tests.Access;

/// <summary>Builds access states through the decider, failing on any refusal.</summary>
internal static class AccessFixture
{
    public const long Now = 1_800_000_000;

    public static AccessState Run(AccessState s, params IAccessCommand[] commands)
    {
        foreach (var c in commands)
        {
            var (events, error) = AccessDecider.Decide(s, c);
            Assert.Null(error);
            s = events.Aggregate(s, AccessDecider.Apply);
        }
        return s;
    }

    public static CreateUser User(string id, bool enable = true, long expire = 0) => new(new AccessUser(id, enable, expire, null, null, null, null, null));

    public static CreateToken Token(string user, string name, bool privsep, long expire = 0) =>
        new(new AccessToken(user, name, privsep, expire, null, "sha256$AA==$AA=="));

    public static ModifyAcl Grant(string path, string role, string subject, bool propagate = true) =>
        subject.Contains('!') ? new(path, [role], [], [subject], propagate, false) : new(path, [role], [subject], [], propagate, false);
}
