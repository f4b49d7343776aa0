using Npgsql;

namespace ActorMigration.TestSupport;

/// <summary>The PostgreSQL that `make test` starts (scripts/postgres.sh); each test gets its own database.</summary>
public static class Postgres
{
    public static string Admin =>
        Environment.GetEnvironmentVariable("AM_TEST_PG") is { Length: > 0 } cs
            ? cs
            : "Host=127.0.0.1;Port=5432;Username=am;Password=am;Database=am_test";

    public static async Task<string> NewDatabaseAsync()
    {
        var name = $"am_{Guid.NewGuid():N}"[..20];
        await using var c = new NpgsqlConnection(Admin);
        try
        {
            await c.OpenAsync();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable ({e.Message}); run `bash scripts/postgres.sh` or `make test`", e);
        }
        await using (var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c)) await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(Admin) { Database = name }.ConnectionString;
    }
}
