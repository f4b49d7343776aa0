using System.Security.Cryptography.X509Certificates;

namespace ActorMigration.Contracts;

/// <summary>
/// The cluster's one trust rule for remoting peers, members and services alike: a certificate is admitted when it
/// chains to the cluster CA (and is valid now).
/// </summary>
public static class ClusterCaTrust
{
    /// <summary>True when <paramref name="cert"/> is issued by <paramref name="ca"/>; otherwise <paramref name="why"/> says why.</summary>
    public static bool IsIssuedBy(X509Certificate2 ca, X509Certificate2 cert, out string why)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var ok = chain.Build(cert) && chain.ChainElements.Count > 1
            && chain.ChainElements[^1].Certificate.Thumbprint == ca.Thumbprint;
        why = ok ? "" : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
        return ok;
    }
}
