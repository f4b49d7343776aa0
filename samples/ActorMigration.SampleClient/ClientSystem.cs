using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Contracts;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ActorMigration.SampleClient;

/// <summary>
/// A plain (non-cluster) actor system with a ClusterClient to the members' receptionists, over the cluster's mutual TLS:
/// the service presents a certificate issued by the cluster CA and accepts only members whose certificate is.
/// </summary>
public sealed class ClientSystem : IAsyncDisposable
{
    public ActorSystem System { get; }
    public IActorRef Client { get; }

    private ClientSystem(ActorSystem system, IActorRef client)
    {
        System = system;
        Client = client;
    }

    /// <param name="contacts">Members' Akka addresses (<c>akka.ssl.tcp://actormigration@host:port</c>).</param>
    /// <param name="tlsDir">ca-cert.pem, client-cert.pem and client-key.pem.</param>
    public static ClientSystem Start(IReadOnlyList<string> contacts, string tlsDir, string bindHost)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(tlsDir, "ca-cert.pem")));
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(tlsDir, "client-cert.pem"), Path.Combine(tlsDir, "client-key.pem"));
        var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pfx), null);
        bool Trust(X509Certificate2? peer, X509Chain? chain, string address, SslPolicyErrors errors, ILoggingAdapter log)
        {
            if (peer is not null && ClusterCaTrust.IsIssuedBy(ca, peer, out _)) return true;
            log.Warning("Refused {Address}: its certificate is not from the cluster CA ({Errors})", address, errors);
            return false;
        }
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.loglevel = WARNING
            akka.remote.dot-netty.tcp { hostname = "{{bindHost}}", port = 0, enable-ssl = on }
            akka.cluster.client.initial-contacts = [{{string.Join(",", contacts.Select(c => $"\"{c.TrimEnd('/')}{Gateway.Receptionist}\""))}}]
            """).WithFallback(ConfigurationFactory.ParseString(ContractsSerializer.Hocon))
            .WithFallback(ClusterClientReceptionist.DefaultConfig());
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config),
            new DotNettySslSetup(cert, false, true, false, Trust));
        var system = ActorSystem.Create("service", setup);
        var client = system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system)), "cluster-client");
        return new ClientSystem(system, client);
    }

    /// <summary>Sends <paramref name="request"/> to the gateway of the member the client is connected to; its reply.</summary>
    public Task<IServiceMessage> AskAsync(IServiceMessage request, TimeSpan timeout) =>
        Client.Ask<IServiceMessage>(new ClusterClient.Send(Gateway.Path, request, localAffinity: true), timeout);

    public async ValueTask DisposeAsync() => await System.Terminate();
}
