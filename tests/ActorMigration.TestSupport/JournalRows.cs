using Microsoft.Data.Sqlite;

namespace ActorMigration.TestSupport;

/// <summary>Direct access to the rows of a member's SQLite journal, to corrupt them as a bad disk or migration would.</summary>
public static class JournalRows
{
    /// <summary>Overwrites the stored payload of one event.</summary>
    public static void OverwritePayload(string file, string persistenceId, long sequenceNr, byte[] payload)
    {
        using var db = Open(file);
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
        using var db = Open(file);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT manifest FROM journal WHERE persistence_id = $p AND sequence_number = $s";
        cmd.Parameters.AddWithValue("$p", persistenceId);
        cmd.Parameters.AddWithValue("$s", sequenceNr);
        return (string)cmd.ExecuteScalar()!;
    }

    /// <summary>The last event of a record: its sequence number, manifest and payload.</summary>
    public static (long Seq, string Manifest, byte[] Payload) Last(string file, string persistenceId)
    {
        using var db = Open(file);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT sequence_number, manifest, message FROM journal WHERE persistence_id = $p ORDER BY sequence_number DESC LIMIT 1";
        cmd.Parameters.AddWithValue("$p", persistenceId);
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        return (r.GetInt64(0), r.GetString(1), (byte[])r.GetValue(2));
    }

    /// <summary>How many events the journal holds, of every record.</summary>
    public static long Count(string file)
    {
        using var db = Open(file);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM journal";
        return (long)cmd.ExecuteScalar()!;
    }

    private static SqliteConnection Open(string file)
    {
        var db = new SqliteConnection($"Data Source={file};Pooling=False");
        db.Open();
        return db;
    }
}
