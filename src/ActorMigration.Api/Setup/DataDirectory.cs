using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Api.Setup;

/// <summary>First-start files in the data directory: storage.cfg, the admin token and the TLS certificate.</summary>
public static class DataDirectory
{
    public const string TokenFile = "admin.token";
    public const string RootPasswordFile = "root.password";
    public const string AdminTokenId = "root@pam!admin";

    public static StorageConfig EnsureStorage(string dataDir)
    {
        var file = Path.Combine(dataDir, "storage.cfg");
        if (!File.Exists(file))
        {
            var cfg = new StorageConfig(
            [
                new StorageDefinition("local", "dir", Path.Combine(dataDir, "nodes", "{node}", "local"), false,
                    ["images", "iso", "import", "backup"], null),
                new StorageDefinition("shared", "dir", Path.Combine(dataDir, "shared"), true,
                    ["images", "iso", "import", "backup"], null),
            ]);
            File.WriteAllText(file, cfg.ToString());
        }
        return StorageConfig.Parse(File.ReadAllText(file));
    }

    /// <summary>The admin token line <c>root@pam!admin=&lt;secret&gt;</c>, created with mode 0600.</summary>
    public static string EnsureAdminToken(string dataDir)
    {
        var file = Path.Combine(dataDir, TokenFile);
        if (!File.Exists(file))
            WritePrivate(file, $"{AdminTokenId}={Guid.NewGuid()}\n");
        return File.ReadAllText(file).Trim();
    }

    /// <summary>
    /// The password of <c>root@pam</c> on this member (<c>root.password</c>, mode 0600, random at first start). It stands
    /// in for the host's PAM password: only root on the host can read it, and a ticket made with it is valid cluster-wide.
    /// </summary>
    public static string EnsureRootPassword(string dataDir)
    {
        var file = Path.Combine(dataDir, RootPasswordFile);
        if (!File.Exists(file))
            WritePrivate(file, Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_') + "\n");
        return File.ReadAllText(file).Trim();
    }

    /// <summary>
    /// Writes a secret file readable by its owner only (0600), replacing an existing one. It is written beside and renamed
    /// into place, so a reader (or a start after a crash) never finds it empty or half written.
    /// </summary>
    public static void WritePrivate(string file, string text)
    {
        var tmp = file + ".tmp";
        using (var s = new FileStream(tmp, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var w = new StreamWriter(s))
        {
            w.Write(text);
            w.Flush();
            s.Flush(flushToDisk: true);
        }
        File.Move(tmp, file, overwrite: true);
    }

    /// <summary>A self-signed certificate (pve-ssl.pem / pve-ssl.key), generated at first start.</summary>
    public static X509Certificate2 EnsureCertificate(string dataDir)
    {
        var pem = Path.Combine(dataDir, "pve-ssl.pem");
        var key = Path.Combine(dataDir, "pve-ssl.key");
        if (!File.Exists(pem) || !File.Exists(key))
        {
            using var rsa = RSA.Create(2048);
            var req = new CertificateRequest($"CN={Environment.MachineName}, O=ActorMigration", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddDnsName(Environment.MachineName);
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
            File.WriteAllText(pem, cert.ExportCertificatePem() + "\n");
            WritePrivate(key, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        }
        using var loaded = X509Certificate2.CreateFromPemFile(pem, key);
        // Kestrel needs a persisted key on some platforms; a PFX round trip gives one.
        return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pfx), null);
    }
}
