using Akka.Configuration;
using Akka.Persistence.TestKit;

namespace ActorMigration.Actors.Tests.Support;

/// <summary>TestKit on Akka.Persistence.TestKit's journal, whose writes and recoveries a test can make fail.</summary>
public abstract class PersistenceTest() : Akka.TestKit.Xunit2.TestKit(Config())
{
    private static Config Config() =>
        TestConfig.Serialization.WithFallback(ConfigurationFactory.ParseString("""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.test"
                auto-start-journals = ["akka.persistence.journal.test"]
                test {
                  class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
                  plugin-dispatcher = "akka.actor.default-dispatcher"
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.test"
                auto-start-snapshot-stores = ["akka.persistence.snapshot-store.test"]
                test {
                  class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
                  plugin-dispatcher = "akka.actor.default-dispatcher"
                }
              }
            }
            """));

    protected ITestJournal Journal =>
        TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));

    /// <summary>Runs <paramref name="body"/> while every journal write fails, then restores normal writes.</summary>
    protected async Task WithFailingWrites(Func<Task> body)
    {
        await Journal.OnWrite.Fail();
        try
        {
            await body();
        }
        finally
        {
            await Journal.OnWrite.Pass();
        }
    }
}
