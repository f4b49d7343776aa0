using System.Text;
using ActorMigration.Actors.Persistence;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;
using Akka.Configuration;

namespace ActorMigration.Actors.Tests.Persistence;

/// <summary>cc.options gained <c>migration</c>: journals written before it still read, with no migration option.</summary>
public sealed class ClusterOptionsPayloadTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("cc-options-payload", ConfigurationFactory.Empty);

    public void Dispose() => _system.Dispose();

    [Fact]
    public void A_payload_without_migration_decodes_and_one_with_it_round_trips()
    {
        var serializer = new ActorMigrationSerializer((ExtendedActorSystem)_system);
        const string old = "{\"options\":{\"maxWorkers\":17,\"limits\":{\"cluster\":14,\"outbound\":15,\"inbound\":14}}," +
            "\"user\":\"u@pve\",\"at\":\"2026-11-26T12:00:02+00:00\"}";
        var back = Assert.IsType<ClusterOptionsSet>(serializer.FromBinary(Encoding.UTF8.GetBytes(old), "cc.options"));
        Assert.Equal(new ClusterOptions(17, new MigrationLimits(14, 15, 14)), back.Options);
        Assert.Null(back.Options.Migration);

        var set = new ClusterOptionsSet(new ClusterOptions(null, null, new MigrationNetwork("insecure", "10.0.0.0/24")), "u@pve", DateTimeOffset.UnixEpoch);
        var again = Assert.IsType<ClusterOptionsSet>(serializer.FromBinary(serializer.ToBinary(set), "cc.options"));
        Assert.Equal(set.Options, again.Options);
    }
}
