using ActorMigration.Actors.Fencing;
using Npgsql;

namespace ActorMigration.Actors.Tests.Fencing;

/// <summary>Node leases on a real PostgreSQL (a fresh database each) and on SQLite: the same code, the database's clock.</summary>
public sealed class NodeLeasesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("am-lease-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<NodeLeases> On(string persistence) => persistence == "postgres"
        ? new NodeLeases("postgres", await Postgres.NewDatabaseAsync())
        : new NodeLeases("sqlite", $"Data Source={Path.Combine(_dir, "am.db")};Pooling=False");

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task A_node_that_never_held_a_lease_is_not_expired(string persistence)
    {
        var leases = await On(persistence);
        var lease = await leases.ReadAsync("node9");
        Assert.False(lease.Held);
        Assert.False(lease.Expired);
        Assert.Null(lease.ExpiresAt);
        Assert.True(Math.Abs((lease.DbNow - DateTimeOffset.UtcNow).TotalMinutes) < 5, $"database now {lease.DbNow}");
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task A_lease_lives_its_ttl_by_the_database_clock_then_expires_and_a_renewal_revives_it(string persistence)
    {
        var leases = await On(persistence);
        await leases.RenewAsync("node1", "member-a", TimeSpan.FromMilliseconds(600));
        var fresh = await leases.ReadAsync("node1");
        Assert.True(fresh.Held);
        Assert.False(fresh.Expired);
        Assert.Equal("member-a", fresh.Member);
        Assert.Equal(TimeSpan.FromMilliseconds(600), fresh.ExpiresAt - fresh.RenewedAt);
        Assert.InRange(fresh.DbNow, fresh.RenewedAt!.Value, fresh.ExpiresAt!.Value);

        var expired = await ReadUntil(leases, "node1", l => l.Expired);
        Assert.True(expired.DbNow > expired.ExpiresAt);
        Assert.Equal(fresh.ExpiresAt, expired.ExpiresAt);

        await leases.RenewAsync("node1", "member-b", TimeSpan.FromSeconds(10));
        var renewed = await leases.ReadAsync("node1");
        Assert.False(renewed.Expired);
        Assert.Equal("member-b", renewed.Member);
        Assert.True(renewed.RenewedAt >= expired.DbNow);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task A_released_lease_is_no_longer_held_nor_expired_other_nodes_keep_theirs_and_a_renewal_takes_it_again(string persistence)
    {
        var leases = await On(persistence);
        await leases.ReleaseAsync("node1"); // nothing to release: no error (and the table is created)
        await leases.RenewAsync("node1", "member-a", TimeSpan.FromMilliseconds(300));
        await leases.RenewAsync("node2", "member-a", TimeSpan.FromMinutes(5));
        await ReadUntil(leases, "node1", l => l.Expired);

        await leases.ReleaseAsync("node1");
        var released = await leases.ReadAsync("node1");
        Assert.False(released.Held);
        Assert.False(released.Expired, "a released lease must never read as a fenced node");
        Assert.Null(released.Member);
        Assert.True((await leases.ReadAsync("node2")) is { Held: true, Expired: false, Member: "member-a" });

        await leases.RenewAsync("node1", "member-b", TimeSpan.FromSeconds(10));
        Assert.True((await leases.ReadAsync("node1")) is { Held: true, Expired: false, Member: "member-b" });
    }

    [Fact]
    public async Task Leases_of_several_nodes_are_independent_and_shared_by_every_reader()
    {
        var cs = await Postgres.NewDatabaseAsync();
        var writer = new NodeLeases("postgres", cs);
        var reader = new NodeLeases("postgres", cs); // another member: table found, not created again
        await Task.WhenAll(writer.RenewAsync("node1", "m1", TimeSpan.FromMilliseconds(300)),
            reader.RenewAsync("node2", "m2", TimeSpan.FromMinutes(5)));
        await ReadUntil(reader, "node1", l => l.Expired);
        Assert.False((await reader.ReadAsync("node2")).Expired);
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM am_node_lease", c);
        Assert.Equal(2L, await cmd.ExecuteScalarAsync());
    }

    private static async Task<NodeLease> ReadUntil(NodeLeases leases, string node, Func<NodeLease, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var lease = await leases.ReadAsync(node);
            if (done(lease)) return lease;
            Assert.True(DateTime.UtcNow < deadline, $"lease of {node} never reached the state: {lease}");
            await Task.Delay(50);
        }
    }
}
