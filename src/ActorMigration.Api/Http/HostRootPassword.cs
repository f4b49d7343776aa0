using System.Security.Cryptography;
using System.Text;

namespace ActorMigration.Api.Http;

/// <summary>The password of <c>root@pam</c> on this member (the data directory's <c>root.password</c>).</summary>
public sealed class HostRootPassword(string secret)
{
    public bool Verify(string password) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(password));
}
