using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Actors.Hosting;
using ActorMigration.Api.Setup;
using Akka.Event;

namespace ActorMigration.Api.Tests.Setup;

/// <summary>The cluster's TLS files: created by the first member, copied by a joining one, given in config; bad input changes nothing.</summary>
public sealed class ClusterCertificatesTests : IDisposable
{
    private readonly string _root = Repo.TempDir("am-certs");

    public void Dispose() => Directory.Delete(_root, true);

    private string Dir(string name) => Path.Combine(_root, name, "cluster-tls");

    private static bool Admits(Actors.Cluster.ClusterTls by, Actors.Cluster.ClusterTls peer) =>
        by.Validate(peer.Member, null, "test-peer", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance);

    [Fact]
    public void The_first_member_creates_the_ca_and_its_certificate_with_private_keys_and_keeps_them()
    {
        var dir = Dir("a");
        var tls = ClusterCertificates.Ensure(dir, caFrom: null);
        foreach (var f in new[] { "ca-cert.pem", "ca-key.pem", "server-cert.pem", "server-key.pem", "client-cert.pem", "client-key.pem" })
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        foreach (var key in new[] { "ca-key.pem", "server-key.pem", "client-key.pem" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, key)));
        Assert.True(tls.Member.HasPrivateKey);
        Assert.Contains(ClusterCertificates.PeerName, tls.Member.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.True(Admits(tls, tls));

        var again = ClusterCertificates.Ensure(dir, caFrom: null);
        Assert.Equal(tls.Ca.Thumbprint, again.Ca.Thumbprint);
        Assert.Equal(tls.Member.Thumbprint, again.Member.Thumbprint);
    }

    [Fact]
    public void A_joining_member_copies_the_ca_issues_its_own_certificate_and_only_the_cluster_admits_it()
    {
        var first = ClusterCertificates.Ensure(Dir("a"), caFrom: null);
        var joined = ClusterCertificates.Ensure(Dir("b"), caFrom: Dir("a"));
        Assert.Equal(first.Ca.Thumbprint, joined.Ca.Thumbprint);
        Assert.NotEqual(first.Member.Thumbprint, joined.Member.Thumbprint);
        Assert.True(Admits(first, joined));
        Assert.True(Admits(joined, first));

        var foreign = ClusterCertificates.Ensure(Dir("c"), caFrom: null);
        Assert.False(Admits(first, foreign));
        Assert.False(Admits(foreign, first));
        Assert.False(first.Validate(null, null, "test-peer", SslPolicyErrors.RemoteCertificateNotAvailable, NoLogger.Instance));
    }

    [Fact]
    public void Given_certificates_without_the_ca_key_are_used_as_they_are()
    {
        var issued = Dir("a");
        var first = ClusterCertificates.Ensure(issued, caFrom: null);
        var given = Dir("given");
        Directory.CreateDirectory(given);
        foreach (var f in new[] { "ca-cert.pem", "server-cert.pem", "server-key.pem", "client-cert.pem", "client-key.pem" })
            File.Copy(Path.Combine(issued, f), Path.Combine(given, f));
        var tls = ClusterCertificates.Ensure(given, caFrom: null);
        Assert.Equal(first.Member.Thumbprint, tls.Member.Thumbprint);
        Assert.False(File.Exists(Path.Combine(given, "ca-key.pem")));
    }

    [Fact]
    public void A_ca_directory_without_the_ca_files_is_refused_and_nothing_is_written()
    {
        var empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InvalidOperationException>(() => ClusterCertificates.Ensure(Dir("b"), caFrom: empty));
        Assert.Contains("AM_CLUSTER_CA", e.Message);
        Assert.False(Directory.Exists(Dir("b")));
    }

    [Fact]
    public void A_ca_certificate_alone_is_refused_and_nothing_is_written()
    {
        var dir = Dir("d");
        ClusterCertificates.Ensure(Dir("a"), caFrom: null);
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(Dir("a"), "ca-cert.pem"), Path.Combine(dir, "ca-cert.pem"));
        var e = Assert.Throws<InvalidOperationException>(() => ClusterCertificates.Ensure(dir, caFrom: null));
        Assert.Contains("no member certificate", e.Message);
        Assert.Equal(["ca-cert.pem"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Settings_name_the_tls_directory_and_the_ca_to_join_and_seeds_take_the_tls_scheme()
    {
        var d = ServerSettings.Load([], new Dictionary<string, string?> { ["AM_DATA_DIR"] = "/srv/am" });
        Assert.Equal("/srv/am/cluster-tls", d.TlsDir);
        Assert.Null(d.ClusterCaFrom);
        var s = ServerSettings.Load(["--cluster-ca", "/seed/cluster-tls"],
            new Dictionary<string, string?> { ["AM_DATA_DIR"] = "/srv/am", ["AM_CLUSTER_TLS_DIR"] = "/etc/am/tls" });
        Assert.Equal("/etc/am/tls", s.TlsDir);
        Assert.Equal("/seed/cluster-tls", s.ClusterCaFrom);

        Assert.Equal("akka.ssl.tcp://actormigration@h:4053", ActorMigrationHosting.SeedAddress("akka.tcp://actormigration@h:4053", tls: true));
        Assert.Equal("akka.ssl.tcp://actormigration@h:4053", ActorMigrationHosting.SeedAddress("akka.ssl.tcp://actormigration@h:4053", tls: true));
        Assert.Equal("akka.tcp://actormigration@h:4053", ActorMigrationHosting.SeedAddress("akka.tcp://actormigration@h:4053", tls: false));
    }
}
