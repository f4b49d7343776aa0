using System.Security.Cryptography;

namespace ActorMigration.Cli.Api;

/// <summary>
/// Certificate fingerprints the user has accepted, one <c>host:port SHA256-FINGERPRINT</c> a line, as ssh's known_hosts
/// keeps host keys: <c>&lt;data-dir&gt;/known-servers</c>.
/// </summary>
public sealed class KnownServers(string path)
{
    public string Path { get; } = path;

    public string? Find(string server)
    {
        if (!File.Exists(Path)) return null;
        foreach (var line in File.ReadAllLines(Path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == server) return parts[1];
        }
        return null;
    }

    /// <summary>Adds (or replaces) the server's pin; the file is readable by its owner only.</summary>
    public void Store(string server, string fingerprint)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(dir);
        var lines = File.Exists(Path)
            ? File.ReadAllLines(Path).Where(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not [var s, _] || s != server).ToList()
            : [];
        lines.Add($"{server} {fingerprint}");
        File.WriteAllLines(Path, lines);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The SHA-256 fingerprint of a certificate as Proxmox prints it: <c>AB:CD:...</c>.</summary>
    public static string Fingerprint(byte[] rawCertificate) => Convert.ToHexString(SHA256.HashData(rawCertificate)).Chunk(2)
        .Select(c => new string(c)).Aggregate((a, b) => a + ":" + b);

    /// <summary>Whether two fingerprints are the same, whatever their case and colons.</summary>
    public static bool Same(string a, string b) => Normalize(a) == Normalize(b);

    private static string Normalize(string f) => f.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
}
