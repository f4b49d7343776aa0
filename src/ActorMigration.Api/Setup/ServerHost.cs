using System.Net;
using ActorMigration.Actors.Access;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Hosting;
using ActorMigration.Api.Endpoints;
using ActorMigration.Api.Http;
using ActorMigration.Api.Services;
using ActorMigration.Drivers.Abstractions;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Serilog;
using Serilog.Extensions.Logging;

namespace ActorMigration.Api.Setup;

/// <summary>One member process: the actor system with its nodes and workflows, and the REST API.</summary>
public static class ServerHost
{
    /// <summary>
    /// The member; everything in it logs through one <see cref="ILoggerFactory"/> that writes to Serilog's
    /// <see cref="Log.Logger"/> (see <see cref="ConfigureLogging"/>), actors through Akka's Serilog adapter.
    /// </summary>
    public static WebApplication Build(ServerSettings settings, INodeDriverFactory? driverOverride = null)
    {
        var loggers = new SerilogLoggerFactory();
        var log = loggers.CreateLogger(typeof(ServerHost));
        var storage = DataDirectory.EnsureStorage(settings.DataDir);
        var token = DataDirectory.EnsureAdminToken(settings.DataDir);
        var rootPassword = new HostRootPassword(DataDirectory.EnsureRootPassword(settings.DataDir));
        var cert = DataDirectory.EnsureCertificate(settings.DataDir);
        var tls = ClusterCertificates.Ensure(settings.TlsDir, settings.ClusterCaFrom,
            (what, where) => log.LogInformation("Cluster TLS: {What} {Dir}", what, where));
        var topology = new ClusterTopology(settings.ClusterNodes, settings.HostedNodes, storage, settings.DataDir,
            settings.Overrides, settings.MacPrefix);
        var driver = driverOverride ?? DriverSelection.Create(settings, loggers);
        log.LogInformation("Member hosts {Nodes} of cluster {Cluster} with the {Driver} driver, data in {DataDir}",
            settings.HostedNodes, settings.ClusterNodes, driver.Name, settings.DataDir);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerFactory>(loggers);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            var bind = settings.ApiBind == "0.0.0.0" ? IPAddress.Any : IPAddress.Parse(settings.ApiBind);
            k.Listen(bind, settings.ApiPort, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.UseHttps(cert);
            });
            if (settings.HttpPort is { } http)
                k.Listen(IPAddress.Loopback, http, o => o.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddSingleton(topology);
        builder.Services.AddSingleton(new ApiOptions(settings.PollIntervalMs, settings.MacPrefix, TaskStartTimeoutMs: settings.TaskStartTimeoutMs,
            CompletionTimeoutPerGiBSec: settings.MigrationCompletionTimeoutPerGiBSec, ProgressTimeoutSec: settings.MigrationProgressTimeoutSec));
        builder.Services.AddSingleton<ApiServices>();
        builder.Services.AddSingleton<MemberReadiness>();
        // Access control: this member's copy of users/tokens/ACL, IPermissions over it, the brute-force brake.
        var accessView = new AccessView();
        builder.Services.AddSingleton(accessView);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AccessService>();
        builder.Services.AddSingleton<IPermissions>(sp => sp.GetRequiredService<AccessService>());
        builder.Services.AddSingleton(new LoginThrottle(settings.AuthFailDelayMs));
        builder.Services.AddSingleton(rootPassword);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddAkka("actormigration", (akka, _) => akka.AddActorMigration(new MemberOptions(
            topology, driver, settings.Persistence, settings.PgConnection, settings.AkkaHost, settings.AkkaPort, settings.Seeds,
            Tls: tls, Fencing: settings.Fencing, FenceArming: settings.FenceArming))
            .AddAccessControl(accessView));
        if (settings.ServicePort is { } servicePort)
            builder.Services.AddHostedService(_ => new ServiceGatewayHost(settings.AkkaHost, servicePort, tls,
                ServiceGatewayHost.LoopbackOf(settings.ApiBind, settings.ApiPort, settings.HttpPort, cert)));

        var app = builder.Build();
        AccessLog.Use(app, settings.DataDir);
        app.Use(async (ctx, next) =>
        {
            ctx.Response.Headers.Server = "pve-api-daemon/3.0";
            await next();
        });
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api2/json"),
            b => b.UseMiddleware<TokenAuth>(new TokenStore([token])).Use(MemberReadiness.Gate));
        app.UseWhen(c => c.Request.Path.StartsWithSegments(MetricsEndpoints.Path), b => b.UseMiddleware<TokenAuth>(new TokenStore([token])));

        var api = app.MapGroup("/api2/json");
        ClusterEndpoints.Map(api);
        ClusterStatusEndpoints.Map(api);
        QemuEndpoints.Map(api);
        MigrateEndpoints.Map(api);
        ClusterOptionsEndpoints.Map(api);
        MigrationQueueEndpoints.Map(api);
        TaskEndpoints.Map(api);
        MigrateAllEndpoints.Map(api);
        MaintenanceEndpoints.Map(api);
        CloneEndpoints.Map(api);
        TemplateEndpoints.Map(api);
        SnapshotEndpoints.Map(api);
        ResizeEndpoints.Map(api);
        BackupEndpoints.Map(api);
        ImportEndpoints.Map(api);
        AccessEndpoints.Map(api);
        AccessUserEndpoints.Map(api);
        HaEndpoints.Map(api);
        RebalanceEndpoints.Map(api);
        MetricsEndpoints.Map(api);
        MoveDiskEndpoints.Map(api);
        MetricsEndpoints.Map(app);
        TaskEventsEndpoints.Map(api);
        StorageEndpoints.Map(api);
        NodeStorageEndpoints.Map(api);
        StorageContentEndpoints.Map(api);
        PoolEndpoints.Map(api);
        ClusterTasksEndpoints.Map(api);
        PowerEndpoints.Map(api);
        AgentEndpoints.Map(api);
        UnlinkEndpoints.Map(api);
        CloudInitEndpoints.Map(api);
        app.MapFallback((HttpContext ctx) =>
            PveResult.NotImplemented(ctx.Request.Method, ctx.Request.Path.Value?.Replace("/api2/json", "") ?? "/"));

        app.Lifetime.ApplicationStarted.Register(() =>
            log.LogInformation("API listening on https://{Bind}:{Port}/api2/json; token in {TokenFile}",
                settings.ApiBind, settings.ApiPort, Path.Combine(settings.DataDir, DataDirectory.TokenFile)));
        return app;
    }

    /// <summary>
    /// 0 after a requested stop. <see cref="DownedExitCode"/> when the cluster downed this member or it never got in:
    /// its actor system terminated (Akka.Hosting then stops the host) and a supervisor restarts it to rejoin.
    /// </summary>
    public static int ExitCode(WebApplication app)
    {
        var reason = CoordinatedShutdown.Get(app.Services.GetRequiredService<ActorSystem>()).ShutdownReason;
        if (reason is not (CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterJoinUnsuccessfulReason))
            return 0;
        Log.Error("This member left the cluster ({Reason}); exiting with {Code} so that it is restarted and rejoins",
            reason.GetType().Name, DownedExitCode);
        return DownedExitCode;
    }

    public const int DownedExitCode = 3;

    /// <summary>Information and up; Debug for the source contexts (type or namespace names) listed in AM_LOG_DEBUG.</summary>
    public static void ConfigureLogging(ServerSettings settings)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning);
        foreach (var source in settings.DebugLogSources ?? [])
            config = config.MinimumLevel.Override(source, Serilog.Events.LogEventLevel.Debug);
        Log.Logger = config
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)
            .WriteTo.File(Path.Combine(settings.DataDir, "logs", "actormigration.log"), rollingInterval: RollingInterval.Day)
            .CreateLogger();
    }
}
