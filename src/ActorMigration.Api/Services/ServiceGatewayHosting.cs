using System.Net;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Contracts;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.Client;
using Akka.Hosting;

namespace ActorMigration.Api.Services;

/// <summary>The ClusterClient receptionist on this member and the service gateway registered with it (docs/services.md).</summary>
public static class ServiceGatewayHosting
{
    public static AkkaConfigurationBuilder AddServiceGateway(this AkkaConfigurationBuilder builder, LoopbackApi api) =>
        builder
            .AddHocon(ContractsSerializer.Hocon, HoconAddMode.Prepend)
            .WithClusterClientReceptionist()
            .WithActors((system, _) =>
            {
                var gateway = system.ActorOf(Props.Create(() => new ServiceGatewayActor(api)), Gateway.Path.Split('/')[^1]);
                ClusterClientReceptionist.Get(system).RegisterService(gateway);
            });

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
