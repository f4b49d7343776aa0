using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Actors.Cluster;

namespace ActorMigration.Api.Setup;

/// <summary>
/// The cluster's TLS files, in the layout QEMU's tls-creds-x509 reads (ca-cert.pem, server-cert.pem, server-key.pem,
/// client-cert.pem, client-key.pem) plus the CA's key (ca-key.pem) that issues member certificates. The first member
/// creates the CA; a joining member copies the CA from <c>AM_CLUSTER_CA</c> (like <c>pvecm add</c>) and issues its
/// own certificate. Keys are written with mode 0600.
/// </summary>
public static class ClusterCertificates
{
    public const string CaCert = "ca-cert.pem";
    public const string CaKey = "ca-key.pem";
    public const string ServerCert = "server-cert.pem";
    public const string ServerKey = "server-key.pem";
    public const string ClientCert = "client-cert.pem";
    public const string ClientKey = "client-key.pem";

    /// <summary>The DNS name in every member certificate; QEMU's migration and NBD clients check it (tls-hostname).</summary>
    public const string PeerName = ClusterTls.PeerName;

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>
    /// Ensures <paramref name="dir"/> holds the cluster CA and this member's certificate; returns them loaded.
    /// <paramref name="caFrom"/>: a directory with the cluster's ca-cert.pem and ca-key.pem, copied when
    /// <paramref name="dir"/> has no CA yet. Without either a new cluster CA is created (the first member).
    /// </summary>
    public static ClusterTls Ensure(string dir, string? caFrom, Action<string, string>? created = null)
    {
        var caCert = Path.Combine(dir, CaCert);
        var caKey = Path.Combine(dir, CaKey);
        var copyCa = !File.Exists(caCert) && caFrom is not null;
        // Bad input changes nothing: checked before anything is written.
        if (copyCa && (!File.Exists(Path.Combine(caFrom!, CaCert)) || !File.Exists(Path.Combine(caFrom!, CaKey))))
            throw new InvalidOperationException($"AM_CLUSTER_CA '{caFrom}' must hold the cluster's {CaCert} and {CaKey}");
        bool HasMember() => File.Exists(Path.Combine(dir, ServerCert)) && File.Exists(Path.Combine(dir, ServerKey));
        if (File.Exists(caCert) && !File.Exists(caKey) && !HasMember())
            throw new InvalidOperationException(
                $"{dir} has no member certificate ({ServerCert}, {ServerKey}) and no {CaKey} to issue one");
        Directory.CreateDirectory(dir);
        if (!File.Exists(caCert))
        {
            if (copyCa)
            {
                DataDirectory.WritePrivate(caKey, File.ReadAllText(Path.Combine(caFrom!, CaKey)));
                File.WriteAllText(caCert, File.ReadAllText(Path.Combine(caFrom!, CaCert)));
                created?.Invoke("copied the cluster CA from", caFrom!);
            }
            else
            {
                CreateCa(caCert, caKey);
                created?.Invoke("created a new cluster CA in", dir);
            }
        }
        if (!HasMember())
        {
            IssueMember(dir, caCert, caKey);
            created?.Invoke("issued this member's certificate in", dir);
        }
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caCert));
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(dir, ServerCert), Path.Combine(dir, ServerKey));
        // A PKCS#12 round trip gives SslStream a key it can use on every platform.
        var member = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pfx), null);
        return new ClusterTls(ca, member);
    }

    private static void CreateCa(string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN=ActorMigration Cluster CA {Guid.NewGuid():N}, O=ActorMigration", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        DataDirectory.WritePrivate(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(certFile, cert.ExportCertificatePem() + "\n");
    }

    /// <summary>
    /// A service's certificate for the ClusterClient (docs/services.md): issued by the cluster CA in <paramref name="tlsDir"/>,
    /// written to <paramref name="outDir"/> as ca-cert.pem, client-cert.pem and client-key.pem; the CA's key stays here.
    /// </summary>
    public static void IssueService(string tlsDir, string outDir, string name)
    {
        var caCert = Path.Combine(tlsDir, CaCert);
        var caKey = Path.Combine(tlsDir, CaKey);
        if (!File.Exists(caCert) || !File.Exists(caKey))
            throw new InvalidOperationException($"{tlsDir} has no cluster CA ({CaCert}, {CaKey}) to issue a service certificate");
        Directory.CreateDirectory(outDir);
        var (certPem, keyPem) = Issue(caCert, caKey, name, member: false);
        DataDirectory.WritePrivate(Path.Combine(outDir, ClientKey), keyPem);
        File.WriteAllText(Path.Combine(outDir, ClientCert), certPem);
        File.WriteAllText(Path.Combine(outDir, CaCert), File.ReadAllText(caCert));
    }

    /// <summary>One certificate for both roles: QEMU reads it as server-* and client-*, Akka uses it both ways.</summary>
    private static void IssueMember(string dir, string caCertFile, string caKeyFile)
    {
        var (certPem, keyPem) = Issue(caCertFile, caKeyFile, Environment.MachineName, member: true);
        DataDirectory.WritePrivate(Path.Combine(dir, ServerKey), keyPem);
        DataDirectory.WritePrivate(Path.Combine(dir, ClientKey), keyPem);
        File.WriteAllText(Path.Combine(dir, ServerCert), certPem);
        File.WriteAllText(Path.Combine(dir, ClientCert), certPem);
    }

    private static (string CertPem, string KeyPem) Issue(string caCertFile, string caKeyFile, string name, bool member)
    {
        using var ca = X509Certificate2.CreateFromPemFile(caCertFile, caKeyFile);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var dn = new X500DistinguishedNameBuilder();
        dn.AddCommonName(name);
        dn.AddOrganizationName("ActorMigration");
        var req = new CertificateRequest(dn.Build(), key, HashAlgorithmName.SHA256);
        if (member)
        {
            // A service's certificate does not carry the members' peer name: QEMU's TLS never takes it for a member.
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(PeerName);
            san.AddDnsName(Environment.MachineName);
            req.CertificateExtensions.Add(san.Build());
        }
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = DateTimeOffset.UtcNow.AddYears(5);
        if (notAfter > ca.NotAfter) notAfter = ca.NotAfter;
        using var cert = req.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), notAfter, serial);
        return (cert.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
