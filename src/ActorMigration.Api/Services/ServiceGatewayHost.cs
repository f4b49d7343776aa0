using System.Net;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Actors.Cluster;
using ActorMigration.Contracts;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;

namespace ActorMigration.Api.Services;

/// <summary>
/// The services' entry (docs/services.md): an actor system of its own on <c>AM_SERVICE_PORT</c>, a one-member cluster
/// with the ClusterClient receptionist and the <see cref="ServiceGatewayActor"/>. Apart from the member's cluster so that
/// a service's certificate reaches only the gateway (which holds no right of its own: every request carries its
/// token), never the member's internal actors; untrusted mode admits selections of the receptionist alone.
/// </summary>
public sealed class ServiceGatewayHost(string hostname, int port, ClusterTls tls, LoopbackApi api) : IHostedService
{
    public const string SystemName = "am-services";

    private ActorSystem? _system;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = INFO
            akka.loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
            akka.logger-formatter = "Akka.Logger.Serilog.SerilogLogMessageFormatter, Akka.Logger.Serilog"
            akka.stdout-loglevel = WARNING
            akka.log-dead-letters = 0
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "{{hostname}}", port = {{port}}, enable-ssl = on }
            akka.remote.untrusted-mode = on
            akka.remote.trusted-selection-paths = ["{{Gateway.Receptionist}}"]
            akka.cluster.client.receptionist.response-tunnel-receive-timeout = 60s
            akka.coordinated-shutdown.exit-clr = off
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """).WithFallback(ConfigurationFactory.ParseString(ContractsSerializer.Hocon))
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            .WithFallback(DistributedPubSub.DefaultConfig());
        _system = ActorSystem.Create(SystemName, ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config), tls.ServiceSslSetup()));
        var cluster = Akka.Cluster.Cluster.Get(_system);
        cluster.Join(cluster.SelfAddress);
        var gateway = _system.ActorOf(Props.Create(() => new ServiceGatewayActor(api)), Gateway.Path.Split('/')[^1]);
        ClusterClientReceptionist.Get(_system).RegisterService(gateway);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_system is not null) await _system.Terminate();
        api.Dispose();
    }

    /// <summary>
    /// Where the gateway reaches this member's API: the plain loopback port if there is one, else HTTPS with the member's
    /// certificate pinned.
    /// </summary>
    public static LoopbackApi LoopbackOf(string apiBind, int apiPort, int? httpPort, X509Certificate2 cert)
    {
        if (httpPort is { } http) return new LoopbackApi(new Uri($"http://127.0.0.1:{http}/"), null);
        var host = apiBind switch
        {
            "0.0.0.0" => "127.0.0.1",
            "::" => "[::1]",
            _ when IPAddress.TryParse(apiBind, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"[{apiBind}]",
            _ => apiBind,
        };
        return new LoopbackApi(new Uri($"https://{host}:{apiPort}/"), cert);
    }
}
