using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Hosting;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorMigration.Bench;

/// <summary>An in-process member on a fresh SQLite journal, as `make demo` runs it.</summary>
public sealed class BenchMember : IAsyncDisposable
{
    private readonly IHost _host;
    public string DataDir { get; }
    public ActorSystem System { get; }
    public ActorRegistry Registry { get; }
    public MemberOptions Options { get; }

    private BenchMember(IHost host, string dataDir, MemberOptions options)
    {
        _host = host;
        DataDir = dataDir;
        Options = options;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<ActorRegistry>();
    }

    public static async Task<BenchMember> StartAsync(INodeDriverFactory driver, string[] nodes)
    {
        var dir = Directory.CreateTempSubdirectory("am-bench-").FullName;
        var storage = new StorageConfig([new StorageDefinition("local", "dir", Path.Combine(dir, "nodes", "{node}", "local"), false, ["images"], null)]);
        var topology = new ClusterTopology(nodes, nodes, storage, dir, new Dictionary<string, NodeOverride>());
        var options = new MemberOptions(topology, driver, ExtraHocon: "akka.loglevel = WARNING");
        var host = new HostBuilder()
            .ConfigureServices(s => s.AddAkka("bench", (b, _) => b.AddActorMigration(options)))
            .Build();
        await host.StartAsync();
        var m = new BenchMember(host, dir, options);
        await Task.Delay(3000);
        return m;
    }

    /// <summary>Rows in the journal table: every persisted event, ours and sharding's.</summary>
    public long JournalRows()
    {
        using var c = new SqliteConnection($"Data Source={Options.SqliteFile}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select count(*) from journal";
        return (long)cmd.ExecuteScalar()!;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(DataDir, true);
    }
}
