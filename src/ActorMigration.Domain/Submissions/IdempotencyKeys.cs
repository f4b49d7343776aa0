using System.Security.Cryptography;
using System.Text;

namespace ActorMigration.Domain.Submissions;

/// <summary>
/// Idempotent submission (our extension, Stripe-like): a client request id names one task start per caller. The same id
/// with the same request answers the same UPID and starts nothing; with another request it is refused. A claim lives
/// <see cref="Lifetime"/>; after that the id is free again.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 128;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public const string Mismatch = "key already used for a different request (method, path or parameters)";

    /// <summary>Why a key is unusable (1 to 128 printable ASCII characters), or null.</summary>
    public static string? Check(string key) =>
        key.Length is 0 or > MaxLength ? $"value must have 1 to {MaxLength} characters"
        : key.Any(c => c is < ' ' or > '~') ? "value must be printable ASCII"
        : null;

    /// <summary>The claim's entity id: one per caller and key, so another user's same key is another key.</summary>
    public static string EntityId(string user, string key) => Hash(user + "\n" + key)[..32];

    /// <summary>What makes two requests the same: method, path and the parameters (in key order).</summary>
    public static string Fingerprint(string method, string path, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var sb = new StringBuilder().Append(method.ToUpperInvariant()).Append('\n').Append(path).Append('\n');
        foreach (var (k, v) in parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append(k).Append('=').Append(v.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
        return Hash(sb.ToString());
    }

    /// <summary>Whether a claim made at <paramref name="claimedAt"/> no longer holds at <paramref name="now"/>.</summary>
    public static bool Expired(DateTimeOffset claimedAt, DateTimeOffset now) => now - claimedAt >= Lifetime;

    private static string Hash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));
}
