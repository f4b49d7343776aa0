using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ActorMigration.Cli.Api;

/// <summary>
/// Which server certificate the CLI trusts. A certificate the system trusts is accepted. With <c>pve-ssl.pem</c> in the
/// data dir the server must present that certificate (or one it signed). Otherwise trust on first use, as ssh and
/// pvesh do: a server's SHA-256 fingerprint is pinned in <see cref="KnownServers"/> once the user accepts it (the
/// <paramref name="ask"/> prompt on a terminal, or <c>--fingerprint</c> / <c>AM_FINGERPRINT</c> naming it); an unknown
/// certificate without either, or a certificate that differs from the pin, is refused and <see cref="Refusal"/> says why.
/// </summary>
public sealed class TlsPolicy(X509Certificate2Collection? pinned, KnownServers? known = null, string? server = null,
    string? acceptFingerprint = null, Func<string, string, bool>? ask = null)
{
    private readonly Lock _gate = new();

    public X509Certificate2Collection? Pinned { get; } = pinned;

    /// <summary>Why the last certificate was refused, for the error report; null when none was.</summary>
    public string? Refusal { get; private set; }

    public static TlsPolicy FromFile(string pemPath, KnownServers? known = null, string? server = null,
        string? acceptFingerprint = null, Func<string, string, bool>? ask = null)
    {
        X509Certificate2Collection? certs = null;
        if (File.Exists(pemPath))
        {
            certs = new X509Certificate2Collection();
            certs.ImportFromPemFile(pemPath);
            if (certs.Count == 0) certs = null;
        }
        return new TlsPolicy(certs, known, server, acceptFingerprint, ask);
    }

    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null) return false;
        var raw = certificate.GetRawCertData();
        return Pinned is not null ? MatchesPem(raw) : TrustOnFirstUse(raw);
    }

    private bool TrustOnFirstUse(byte[] raw)
    {
        if (known is null || server is null) return Refuse("no store for accepted server certificates");
        var fingerprint = KnownServers.Fingerprint(raw);
        // Parallel connections of one command ask at most once.
        lock (_gate)
        {
            if (known.Find(server) is { } pin)
                return KnownServers.Same(pin, fingerprint) || Refuse(
                    $"the certificate of {server} has CHANGED: its SHA-256 fingerprint is {fingerprint}, but {known.Path} pins {pin}. " +
                    "This may be an attack (or a new server certificate); if the new fingerprint is right, remove the line for " +
                    $"{server} from {known.Path} and accept it again");
            if (acceptFingerprint is not null)
            {
                if (!KnownServers.Same(acceptFingerprint, fingerprint))
                    return Refuse($"the certificate of {server} has the SHA-256 fingerprint {fingerprint}, not the one given ({acceptFingerprint})");
                known.Store(server, fingerprint);
                return true;
            }
            if (ask is not null)
            {
                if (!ask(server, fingerprint)) return Refuse($"the certificate of {server} was not accepted");
                known.Store(server, fingerprint);
                return true;
            }
            return Refuse($"the certificate of {server} is not known: SHA-256 fingerprint {fingerprint}. Check it on the server " +
                $"(pvenode cert info, or openssl x509 -fingerprint -sha256 -in pve-ssl.pem) and accept it with --fingerprint {fingerprint} " +
                "(or AM_FINGERPRINT), or run amctl on a terminal to be asked");
        }
    }

    private bool MatchesPem(byte[] raw)
    {
        if (Pinned!.Any(p => p.RawData.AsSpan().SequenceEqual(raw))) return true;
        using var leaf = X509CertificateLoader.LoadCertificate(raw);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Pinned!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf) || Refuse("the server's TLS certificate does not match the pinned pve-ssl.pem");
    }

    private bool Refuse(string why)
    {
        Refusal = why;
        return false;
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
