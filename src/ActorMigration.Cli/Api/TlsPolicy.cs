using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ActorMigration.Cli.Api;

/// <summary>
/// Our server uses a self-signed certificate. Without a pin file any certificate is accepted;
/// with <c>pve-ssl.pem</c> the server must present that certificate (or one it signed).
/// </summary>
public sealed class TlsPolicy(X509Certificate2Collection? pinned)
{
    public X509Certificate2Collection? Pinned { get; } = pinned;

    public static TlsPolicy FromFile(string pemPath)
    {
        if (!File.Exists(pemPath)) return new TlsPolicy(null);
        var certs = new X509Certificate2Collection();
        certs.ImportFromPemFile(pemPath);
        return new TlsPolicy(certs.Count > 0 ? certs : null);
    }

    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (Pinned is null || errors == SslPolicyErrors.None) return true;
        if (certificate is null) return false;
        var raw = certificate.GetRawCertData();
        if (Pinned.Any(p => p.RawData.AsSpan().SequenceEqual(raw))) return true;

        using var leaf = X509CertificateLoader.LoadCertificate(raw);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Pinned);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    public SocketsHttpHandler CreateHandler() => new()
    {
        AutomaticDecompression = System.Net.DecompressionMethods.GZip,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, errors) => Validate(cert, errors),
        },
    };
}
