using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorMigration.Domain.Access;

/// <summary>
/// Login tickets in Proxmox's format <c>PVE:&lt;user&gt;:&lt;HEXTIME&gt;::&lt;signature&gt;</c> and CSRF prevention tokens
/// <c>&lt;HEXTIME&gt;:&lt;signature&gt;</c>. Proxmox signs tickets with an RSA key; here both are HMAC-SHA256 with the cluster's
/// ticket key (from the journal), so every member verifies them. Valid from 5 minutes before to 2 hours after their time.
/// </summary>
public static class Tickets
{
    public const long Lifetime = 7200;
    private const long MinAge = -300;

    public static string Create(string user, long now, string key)
    {
        var data = $"PVE:{user}:{now:X8}";
        return $"{data}::{Sign("ticket\n" + data, key)}";
    }

    /// <summary>The user of a valid ticket, or null.</summary>
    public static string? Verify(string ticket, long now, string? key)
    {
        if (key is null) return null;
        var sep = ticket.IndexOf("::", StringComparison.Ordinal);
        if (sep < 0) return null;
        var data = ticket[..sep];
        var parts = data.Split(':');
        if (parts is not ["PVE", var user, var hex] || !Fresh(hex, now)) return null;
        return SignatureMatches(ticket[(sep + 2)..], "ticket\n" + data, key) ? user : null;
    }

    public static string Csrf(string user, long now, string key)
    {
        var time = $"{now:X8}";
        return $"{time}:{Sign($"csrf\n{time}:{user}", key)}";
    }

    public static bool VerifyCsrf(string? token, string user, long now, string? key)
    {
        if (key is null || token is null) return false;
        var colon = token.IndexOf(':');
        if (colon < 0) return false;
        var time = token[..colon];
        return Fresh(time, now) && SignatureMatches(token[(colon + 1)..], $"csrf\n{time}:{user}", key);
    }

    private static bool Fresh(string hex, long now)
    {
        if (hex.Length != 8 || !long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var t)) return false;
        var age = now - t;
        return age >= MinAge && age <= Lifetime;
    }

    private static string Sign(string data, string key) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(data))).TrimEnd('=');

    private static bool SignatureMatches(string signature, string data, string key) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(data, key)), Encoding.ASCII.GetBytes(signature));
}
