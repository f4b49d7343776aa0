using System.Text;
using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Fencing;
using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Scheduling;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Submissions;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace ActorMigration.Actors.Hosting;

/// <summary>Composes one member: HOCON, serializer, regions, read model.</summary>
public static class ActorMigrationHosting
{
    public static string HoconDir => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static AkkaConfigurationBuilder AddActorMigration(this AkkaConfigurationBuilder builder, MemberOptions o)
    {
        Directory.CreateDirectory(o.Topology.DataDir);
        if (o.Persistence == "sqlite") PrepareSqlite(o.SqliteFile);
        var timeouts = o.Timeouts ?? StepTimeouts.Standard;
        if (o.Tls is not null) builder.AddSetup(o.Tls.SslSetup());

        return builder
            .AddHocon(BuildConfig(o), HoconAddMode.Prepend)
            .AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
            .WithCustomSerializer("actormigration", WireTypes.All, system => new ActorMigrationSerializer(system))
            .AddVirtualMachines()
            .AddHypervisorNodes(o.Topology, o.DriverFactory)
            .AddMigrationWorkflows(o.Topology, timeouts)
            .AddCreateWorkflows(o.Topology, timeouts)
            .AddVmTaskWorkflows(o.Topology, timeouts)
            .AddCopyWorkflows(o.Topology, timeouts)
            .AddHaRecoveryWorkflows(o.Topology, timeouts)
            .AddBulkWorkflows(o.Topology, timeouts)
            .AddMoveDiskWorkflows(o.Topology, timeouts)
            .AddTaskRouter()
            .AddPrecheck(o.Topology, timeouts)
            .AddClusterReadModel()
            .AddHaConfig()
            .AddClusterConfig(o.Topology)
            .AddRebalancer(o)
            .AddMigrationQueue()
            .AddHaManager(o)
            .AddFencing(o)
            .AddSubmissions()
            .WithActors((system, _) =>
            {
                if (o.SeedNodes is null || o.SeedNodes.Count == 0)
                {
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                }
                else RejoinGuard.Join(system, o.Topology.DataDir, [.. o.SeedNodes.Select(s => Address.Parse(SeedAddress(s, o.Tls is not null)))]);
            });
    }

    /// <summary>The member's HOCON: files from hocon/ plus the runtime values that override them.</summary>
    public static Config BuildConfig(MemberOptions o)
    {
        var files = new[] { "akka.conf", "cluster.conf", o.Persistence == "postgres" ? "persistence-postgres.conf" : "persistence-sqlite.conf" };
        var sb = new StringBuilder();
        var cs = Quote(o.ConnectionString);
        sb.AppendLine($"akka.persistence.journal.sql.connection-string = {cs}");
        sb.AppendLine($"akka.persistence.snapshot-store.sql.connection-string = {cs}");
        sb.AppendLine($"akka.persistence.query.journal.sql.connection-string = {cs}");
        sb.AppendLine($"akka.remote.dot-netty.tcp.hostname = {Quote(o.Hostname)}");
        sb.AppendLine($"akka.remote.dot-netty.tcp.port = {o.Port}");
        sb.AppendLine($"akka.cluster.roles = [{string.Join(",", o.Topology.HostedNodes.Select(n => Quote(ClusterTopology.RoleOf(n))))}]");
        if (o.Tls is not null) sb.AppendLine("akka.remote.dot-netty.tcp.enable-ssl = on");
        if (o.ExtraHocon is not null) sb.AppendLine(o.ExtraHocon);
        var config = ConfigurationFactory.ParseString(sb.ToString());
        foreach (var f in files)
            config = config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(HoconDir, f))));
        return config;
    }

    /// <summary>With TLS the transport's scheme is akka.ssl.tcp; a seed written as akka.tcp:// is meant the same way.</summary>
    public static string SeedAddress(string seed, bool tls) =>
        tls && seed.StartsWith("akka.tcp://", StringComparison.Ordinal) ? "akka.ssl.tcp://" + seed["akka.tcp://".Length..] : seed;

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>WAL lets the read model query while the journal writes.</summary>
    private static void PrepareSqlite(string file)
    {
        using var c = new SqliteConnection($"Data Source={file}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        cmd.ExecuteNonQuery();
    }
}
