using System.Security.Cryptography;
using System.Text;

namespace ActorMigration.Domain.Access;

/// <summary>
/// Password and token-secret hashes. Passwords: PBKDF2-HMAC-SHA256 (.NET's Rfc2898 implementation), stored as
/// <c>pbkdf2-sha256$iterations$salt$hash</c> (base64). Token secrets are random UUIDs (122 bits), so one salted
/// SHA-256 suffices and keeps per-request verification cheap: <c>sha256$salt$hash</c>. Salts come from the caller.
/// </summary>
public static class Secrets
{
    public const int PasswordIterations = 100_000;
    private const int HashBytes = 32;

    public static string HashPassword(string password, byte[] salt, int iterations = PasswordIterations)
    {
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"pbkdf2-sha256${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool VerifyPassword(string password, string? stored)
    {
        var parts = stored?.Split('$');
        if (parts is not { Length: 4 } || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], out var iterations) || iterations < 1)
            return false;
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static string HashTokenSecret(string secret, byte[] salt) =>
        $"sha256${Convert.ToBase64String(salt)}${Convert.ToBase64String(TokenDigest(secret, salt))}";

    public static bool VerifyTokenSecret(string secret, string stored)
    {
        var parts = stored.Split('$');
        if (parts is not ["sha256", _, _]) return false;
        return CryptographicOperations.FixedTimeEquals(TokenDigest(secret, Convert.FromBase64String(parts[1])), Convert.FromBase64String(parts[2]));
    }

    private static byte[] TokenDigest(string secret, byte[] salt) => SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(secret)]);
}
