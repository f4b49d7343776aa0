using ActorMigration.Api.Setup;

namespace ActorMigration.TestSupport;

/// <summary>Cluster TLS directories for tests, made by the member's own code (a new cluster CA and a member certificate).</summary>
public static class ClusterTlsFiles
{
    /// <summary>The DNS name in member certificates that QEMU's TLS clients check.</summary>
    public const string PeerName = ClusterCertificates.PeerName;

    /// <summary>
    /// A new directory <c>cluster-tls</c> under <paramref name="parent"/> (a test's own temp directory, deleted with
    /// it) in QEMU's x509 layout; <paramref name="caFrom"/>: copy that cluster's CA instead of creating a new one.
    /// </summary>
    public static string Create(string parent, string? caFrom = null)
    {
        var dir = Path.Combine(parent, "cluster-tls");
        ClusterCertificates.Ensure(dir, caFrom).Member.Dispose();
        return dir;
    }
}
