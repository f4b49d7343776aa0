using ActorMigration.Actors.Cluster;
using ActorMigration.Api.Setup;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// Akka remoting is mutual TLS with the cluster's CA: a peer with the cluster's certificates is admitted (the control),
/// one with a certificate from another CA or without TLS is not, and the member logs the refusal.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class ClusterTlsTests
{
    private static readonly TimeSpan RefusalWindow = TimeSpan.FromSeconds(12);

    private static async Task<(MemberProcess Member, int AkkaPort)> Member()
    {
        var port = Repo.FreePort();
        var m = new MemberProcess(new Dictionary<string, string>
        {
            ["AM_NODES"] = "node1",
            ["AM_CLUSTER_NODES"] = "node1,node2",
            ["AM_AKKA_PORT"] = port.ToString(),
        });
        await m.StartAsync();
        return (m, port);
    }

    /// <summary>A bare actor system named like the members, with node2's role; TLS when <paramref name="tls"/> is given.</summary>
    private static ActorSystem Peer(ClusterTls? tls)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = {{(tls is null ? "off" : "on")}} }
            akka.cluster.roles = ["{{ClusterTopology.RoleOf("node2")}}"]
            akka.loglevel = WARNING
            """);
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        if (tls is not null) setup = setup.And(tls.SslSetup());
        return ActorSystem.Create("actormigration", setup);
    }

    private static Akka.Cluster.Cluster JoinFrom(ActorSystem peer, int port, bool tls)
    {
        var cluster = Akka.Cluster.Cluster.Get(peer);
        cluster.Join(Address.Parse($"akka{(tls ? ".ssl" : "")}.tcp://actormigration@127.0.0.1:{port}"));
        return cluster;
    }

    private static bool Admitted(Akka.Cluster.Cluster c) =>
        c.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) >= 2;

    [Fact]
    public async Task A_peer_with_the_clusters_certificate_is_admitted()
    {
        var (m, port) = await Member();
        await using (m)
        {
            var tls = ClusterCertificates.Ensure(Path.Combine(m.DataDir, "peer-tls"), caFrom: m.TlsDir);
            using var peer = Peer(tls);
            var cluster = JoinFrom(peer, port, tls: true);
            await PveClient.Eventually(() => Task.FromResult(Admitted(cluster)), TimeSpan.FromSeconds(30), "peer admitted");
            Assert.DoesNotContain("Refused cluster peer", m.ReadLog());
            await cluster.LeaveAsync();
        }
    }

    [Fact]
    public async Task A_peer_with_a_certificate_from_another_ca_is_refused_and_logged()
    {
        var (m, port) = await Member();
        await using (m)
        {
            var tls = ClusterCertificates.Ensure(Path.Combine(m.DataDir, "foreign-tls"), caFrom: null);
            Assert.NotEqual(File.ReadAllText(Path.Combine(m.TlsDir, "ca-cert.pem")).Trim(), tls.Ca.ExportCertificatePem().Trim());
            using var peer = Peer(tls);
            var cluster = JoinFrom(peer, port, tls: true);
            await PveClient.Eventually(() => Task.FromResult(m.ReadLog().Contains("Refused cluster peer")), RefusalWindow, "refusal logged");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(Admitted(cluster));
            Assert.DoesNotContain(cluster.State.Members, x => x.Address.Port == port);
            var line = m.ReadLog().Split('\n').First(l => l.Contains("Refused cluster peer"));
            Assert.Contains("127.0.0.1", line);
            Assert.Contains("not from the cluster CA", line);
            Assert.Equal(["node1"], await MemberNodes(m));
        }
    }

    [Fact]
    public async Task A_peer_without_tls_is_refused_and_logged()
    {
        var (m, port) = await Member();
        await using (m)
        {
            using var peer = Peer(null);
            var cluster = JoinFrom(peer, port, tls: false);
            // Akka's TLS handler refuses the plaintext bytes and logs it with the peer's address.
            const string refusal = "Rejected incoming connection from";
            await PveClient.Eventually(() => Task.FromResult(m.ReadLog().Contains(refusal)), RefusalWindow, "refusal logged");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(Admitted(cluster));
            var line = m.ReadLog().Split('\n').First(l => l.Contains(refusal));
            Assert.Contains("127.0.0.1", line);
            Assert.Contains("TLS handshake failure", line);
            Assert.Equal(["node1"], await MemberNodes(m));
        }
    }

    /// <summary>The nodes the member reports online (a peer with node2's role would make node2 known as a member).</summary>
    private static async Task<List<string>> MemberNodes(MemberProcess m)
    {
        var r = await m.Client.Get("/nodes");
        return r.Data!.AsArray().Where(n => n!["status"]!.GetValue<string>() == "online")
            .Select(n => n!["node"]!.GetValue<string>()).ToList();
    }
}
