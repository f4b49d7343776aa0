using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorMigration.Actors.Fencing;

/// <summary>A node's lease as the database sees it; times are the database's clock.</summary>
/// <param name="Held">False: no member holds this node's lease (never did, or released it), so nothing fences its VMs.</param>
public sealed record NodeLease(string Node, bool Held, string? Member, DateTimeOffset? RenewedAt, DateTimeOffset? ExpiresAt, DateTimeOffset DbNow)
{
    /// <summary>
    /// The lease was held and has run out by the database's clock: the node's watchdog has fired (its VM processes
    /// are dead) or was re-armed by a member that runs again. A lease not held is never expired.
    /// </summary>
    public bool Expired => Held && DbNow > ExpiresAt;
}

/// <summary>
/// Node leases in the journal database (table <c>am_node_lease</c>, created if missing; a row is deleted only when its
/// member releases the lease of a node that no longer carries HA VMs).
/// Times are unix milliseconds taken from the database's clock inside each statement, so members' clocks never
/// matter. PostgreSQL for clusters, SQLite for a single member: the same SQL but for the clock expression.
/// </summary>
public sealed class NodeLeases
{
    private const string PgNow = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    private const string SqliteNow = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    private readonly string _connection;
    private readonly bool _postgres;
    private int _created;

    public NodeLeases(string persistence, string connectionString)
    {
        _postgres = persistence == "postgres";
        _connection = connectionString;
    }

    private string Now => _postgres ? PgNow : SqliteNow;

    /// <summary>Renews (or takes) the node's lease for <paramref name="ttl"/> from the database's now.</summary>
    public async Task RenewAsync(string node, string member, TimeSpan ttl, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            INSERT INTO am_node_lease (node, member, renewed_at, expires_at)
            SELECT @node, @member, t.now, t.now + @ttl FROM (SELECT {Now} AS now) t WHERE true
            ON CONFLICT (node) DO UPDATE SET member = excluded.member, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
            """;
        Add(cmd, "node", node);
        Add(cmd, "member", member);
        Add(cmd, "ttl", (long)ttl.TotalMilliseconds);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Gives the node's lease up (deletes its row, so it reads as never held and nothing treats the node as fenced).
    /// The member does it before it disarms the node's watchdog, never after.
    /// </summary>
    public async Task ReleaseAsync(string node, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM am_node_lease WHERE node = @node";
        Add(cmd, "node", node);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The node's lease with the database's now.</summary>
    public async Task<NodeLease> ReadAsync(string node, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Now}, l.member, l.renewed_at, l.expires_at FROM (SELECT 1 AS one) x " +
            "LEFT JOIN am_node_lease l ON l.node = @node";
        Add(cmd, "node", node);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var now = At(r.GetInt64(0));
        if (r.IsDBNull(1)) return new NodeLease(node, false, null, null, null, now);
        return new NodeLease(node, true, r.GetString(1), At(r.GetInt64(2)), At(r.GetInt64(3)), now);
    }

    private static DateTimeOffset At(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    private static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = "@" + name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        DbConnection c = _postgres ? new NpgsqlConnection(_connection) : new SqliteConnection(_connection);
        await c.OpenAsync(ct);
        if (Volatile.Read(ref _created) == 0)
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE IF NOT EXISTS am_node_lease (node TEXT PRIMARY KEY, member TEXT NOT NULL, " +
                "renewed_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)";
            try
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
            {
                // Another member created it at the same moment.
            }
            Volatile.Write(ref _created, 1);
        }
        return c;
    }
}
