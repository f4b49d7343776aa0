using ActorMigration.Actors.Hosting;
using Akka.Configuration;
using Akka.Persistence.Sql;

namespace ActorMigration.Actors.Tests.Support;

/// <summary>A member's persistence on the embedded SQLite journal (production HOCON), (rows: <see cref="JournalRows"/>).</summary>
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
}
