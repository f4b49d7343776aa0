using System.Data;
using ActorMigration.Actors.Hosting;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace ActorMigration.Actors.Tests.Persistence;

/// <summary>
/// The embedded journal's reads (recovery, the read model's polling) must not hold SQLite's write lock:
/// a journal write that meets it waits (Microsoft.Data.Sqlite retries a busy write every 150 ms).
/// </summary>
public sealed class SqliteReadIsolationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("am-sqlite-iso-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static Config SqliteHocon() =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(ActorMigrationHosting.HoconDir, "persistence-sqlite.conf")));

    private static IsolationLevel Level(string hocon) => hocon switch
    {
        "read-uncommitted" => IsolationLevel.ReadUncommitted,
        "read-committed" => IsolationLevel.ReadCommitted,
        "repeatable-read" => IsolationLevel.RepeatableRead,
        "serializable" => IsolationLevel.Serializable,
        "snapshot" => IsolationLevel.Snapshot,
        _ => IsolationLevel.Unspecified
    };

    /// <summary>Holds a read transaction open at <paramref name="level"/> and tries one write beside it.</summary>
    private bool WriteSucceedsBesideRead(IsolationLevel level)
    {
        var file = Path.Combine(_dir, $"{level}-{Guid.NewGuid():N}.db");
        using (var setup = new SqliteConnection($"Data Source={file}"))
        {
            setup.Open();
            using var cmd = setup.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE journal(ordering INTEGER PRIMARY KEY, payload TEXT); INSERT INTO journal(payload) " +
                "VALUES ('a');";
            cmd.ExecuteNonQuery();
        }
        using var reader = new SqliteConnection($"Data Source={file};Pooling=False");
        reader.Open();
        using var readTx = reader.BeginTransaction(level);
        using (var q = reader.CreateCommand())
        {
            q.Transaction = readTx;
            q.CommandText = "SELECT count(*) FROM journal";
            Assert.Equal(1L, (long)q.ExecuteScalar()!);
        }
        using var writer = new SqliteConnection($"Data Source={file};Pooling=False;Default Timeout=1");
        writer.Open();
        try
        {
            using var writeTx = writer.BeginTransaction();
            using var w = writer.CreateCommand();
            w.Transaction = writeTx;
            w.CommandText = "INSERT INTO journal(payload) VALUES ('b')";
            w.ExecuteNonQuery();
            writeTx.Commit();
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 5) // SQLITE_BUSY
        {
            return false;
        }
    }

    [Fact]
    public void Journal_snapshot_and_query_reads_use_a_deferred_transaction_that_lets_writes_through()
    {
        var hocon = SqliteHocon();
        foreach (var path in new[]
                 {
                     "akka.persistence.journal.sql.read-isolation-level",
                     "akka.persistence.snapshot-store.sql.read-isolation-level",
                     "akka.persistence.query.journal.sql.read-isolation-level"
                 })
        {
            var level = Level(hocon.GetString(path, "unspecified"));
            Assert.True(WriteSucceedsBesideRead(level), $"{path} = {level}: a write waits for the read's transaction");
        }
        // The default the setting replaces ("BEGIN IMMEDIATE" for every read) does block the writer.
        Assert.False(WriteSucceedsBesideRead(IsolationLevel.Unspecified));
    }
}
