using Akka.Configuration;
using Akka.Persistence.Sql;
using ActorMigration.Actors.Hosting;
using Microsoft.Data.Sqlite;

namespace ActorMigration.Actors.Tests.Support;

/// <summary>A member's persistence on the embedded SQLite journal (production HOCON), and direct access to its rows.</summary>
public static class SqliteMember
{
    public static Config Config(string file)
    {
        var cs = $"Data Source={file}";
        return ConfigurationFactory.ParseString($"""
                akka.persistence.journal.sql.connection-string = "{cs}"
                akka.persistence.snapshot-store.sql.connection-string = "{cs}"
                akka.persistence.query.journal.sql.connection-string = "{cs}"
                """)
            .WithFallback(TestConfig.Serialization)
            .WithFallback(ConfigurationFactory.ParseString(
                File.ReadAllText(Path.Combine(ActorMigrationHosting.HoconDir, "persistence-sqlite.conf"))))
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Overwrites the stored payload of one event, as a corrupted disk or a bad migration would.</summary>
    public static void OverwritePayload(string file, string persistenceId, long sequenceNr, byte[] payload)
    {
        using var db = new SqliteConnection($"Data Source={file};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "UPDATE journal SET message = $m WHERE persistence_id = $p AND sequence_number = $s";
        cmd.Parameters.AddWithValue("$m", payload);
        cmd.Parameters.AddWithValue("$p", persistenceId);
        cmd.Parameters.AddWithValue("$s", sequenceNr);
        Assert.Equal(1, cmd.ExecuteNonQuery());
    }

    /// <summary>The manifest stored with one event.</summary>
    public static string Manifest(string file, string persistenceId, long sequenceNr)
    {
        using var db = new SqliteConnection($"Data Source={file};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT manifest FROM journal WHERE persistence_id = $p AND sequence_number = $s";
        cmd.Parameters.AddWithValue("$p", persistenceId);
        cmd.Parameters.AddWithValue("$s", sequenceNr);
        return (string)cmd.ExecuteScalar()!;
    }
}
