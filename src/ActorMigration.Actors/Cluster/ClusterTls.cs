using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Contracts;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ActorMigration.Actors.Cluster;

/// <summary>
/// Akka remoting over TLS with mutual authentication: both ends present a certificate, and a peer is admitted only
/// when its certificate chains to the cluster's CA. The cluster's own port admits members alone (their certificate
/// names <see cref="PeerName"/>); the services' port (docs/services.md) admits any certificate of the CA. Every
/// refusal is logged with the peer's address.
/// </summary>
public sealed record ClusterTls(X509Certificate2 Ca, X509Certificate2 Member)
{
    /// <summary>The DNS name in every member certificate; QEMU's migration and NBD clients check it (tls-hostname).</summary>
    public const string PeerName = "actormigration-cluster";

    /// <summary>The cluster transport's TLS setup (the HOCON side is <c>enable-ssl = on</c>): members only.</summary>
    public DotNettySslSetup SslSetup() =>
        new(Member, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, Validate);

    /// <summary>The services' transport: any certificate from the cluster CA.</summary>
    public DotNettySslSetup ServiceSslSetup() =>
        new(Member, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, ValidateService);

    /// <summary>True when <paramref name="cert"/> is a member's: issued by the cluster CA, valid now, naming <see cref="PeerName"/>.</summary>
    public bool Validate(X509Certificate2? cert, X509Chain? _, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (!ValidateService(cert, _, peer, errors, log)) return false;
        if (IsMember(cert!)) return true;
        log.Warning("Refused cluster peer {PeerAddress}: certificate {Subject} is not a member's (a service's certificate is for the services' port)",
            peer, cert!.Subject);
        return false;
    }

    /// <summary>True when <paramref name="cert"/> is issued by the cluster CA and valid now; otherwise logs the refusal.</summary>
    public bool ValidateService(X509Certificate2? cert, X509Chain? _, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (cert is null)
        {
            log.Warning("Refused cluster peer {PeerAddress}: it presented no certificate", peer);
            return false;
        }
        if (ClusterCaTrust.IsIssuedBy(Ca, cert, out var status)) return true;
        log.Warning("Refused cluster peer {PeerAddress}: certificate {Subject} issued by {Issuer} is not from the cluster CA ({Status})",
            peer, cert.Subject, cert.Issuer, status.Length > 0 ? status : errors.ToString());
        return false;
    }

    public static bool IsMember(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).Contains(PeerName);
}
