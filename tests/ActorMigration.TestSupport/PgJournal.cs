using Npgsql;

namespace ActorMigration.TestSupport;

/// <summary>Rows of the shared PostgreSQL journal (Akka.Persistence.Sql's default table), to check who wrote what, when.</summary>
public static class PgJournal
{
    /// <summary>One journal row: its sequence number, when it was written (UTC) and the writing incarnation.</summary>
    public sealed record Row(long Seq, DateTime Created, string WriterUuid, string? Manifest);

    /// <summary>The rows of one persistence id in sequence order.</summary>
    public static async Task<IReadOnlyList<Row>> RowsAsync(string connection, string persistenceId)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT sequence_number, created, writer_uuid, manifest FROM journal WHERE persistence_id = @p ORDER BY sequence_number", c);
        cmd.Parameters.AddWithValue("p", persistenceId);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await r.ReadAsync())
            rows.Add(new Row(r.GetInt64(0), new DateTime(r.GetInt64(1), DateTimeKind.Utc), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
        return rows;
    }

    /// <summary>The persistence ids that start with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<string>> PersistenceIdsAsync(string connection, string prefix)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT DISTINCT persistence_id FROM journal WHERE persistence_id LIKE @p", c);
        cmd.Parameters.AddWithValue("p", prefix + "%");
        await using var r = await cmd.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await r.ReadAsync()) ids.Add(r.GetString(0));
        return ids;
    }

    /// <summary>
    /// Writers in turn: each incarnation's rows form one run, so no incarnation wrote again after another one took over
    /// (two writers of one record would interleave). Returns the first violation, or null.
    /// </summary>
    public static string? InterleavedWriter(IReadOnlyList<Row> rows)
    {
        var done = new HashSet<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (i > 0 && rows[i].WriterUuid != rows[i - 1].WriterUuid) done.Add(rows[i - 1].WriterUuid);
            if (done.Contains(rows[i].WriterUuid))
                return $"seq {rows[i].Seq} written by {rows[i].WriterUuid}, which had been replaced before";
        }
        return null;
    }

    /// <summary>
    /// Holds the next write of <paramref name="persistenceId"/> in flight: an open transaction inserts a copy of its
    /// last row under the next sequence number, so the entity's own insert of that number waits on the journal's unique
    /// key until the returned handle is disposed (the copy is rolled back, never stored). A test can thus act while a
    /// write is in flight, such as the owner move of an offline migration.
    /// </summary>
    public static async Task<IAsyncDisposable> HoldNextWriteAsync(string connection, string persistenceId)
    {
        var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        var tx = await c.BeginTransactionAsync();
        var columns = new List<string>();
        await using (var q = new NpgsqlCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'journal' AND column_name <> 'ordering'", c, tx))
        await using (var r = await q.ExecuteReaderAsync())
            while (await r.ReadAsync()) columns.Add(r.GetString(0));
        var list = string.Join(", ", columns);
        var values = string.Join(", ", columns.Select(col => col == "sequence_number" ? "sequence_number + 1" : col));
        await using (var insert = new NpgsqlCommand($"INSERT INTO journal ({list}) SELECT {values} FROM journal WHERE persistence_id = @p " +
            "ORDER BY sequence_number DESC LIMIT 1", c, tx))
        {
            insert.Parameters.AddWithValue("p", persistenceId);
            if (await insert.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException($"{persistenceId} has no row to hold the next one after");
        }
        return new HeldWrite(c, tx);
    }

    private sealed class HeldWrite(NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await tx.RollbackAsync();
            await connection.DisposeAsync();
        }
    }
}
