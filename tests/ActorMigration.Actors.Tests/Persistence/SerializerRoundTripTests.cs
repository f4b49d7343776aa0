using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.Tests.Persistence;

public sealed class SerializerRoundTripTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-test", ConfigurationFactory.Empty);
    private readonly ActorMigrationSerializer _serializer;

    public SerializerRoundTripTests() => _serializer = new ActorMigrationSerializer((ExtendedActorSystem)_system);

    public void Dispose() => _system.Dispose();

    /// <summary>Every persisted event type in the domain.</summary>
    public static IEnumerable<object[]> EventTypes() =>
        typeof(IVmEvent).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && (typeof(IVmEvent).IsAssignableFrom(t) || typeof(IWorkflowEvent).IsAssignableFrom(t)))
            .OrderBy(t => t.FullName)
            .Select(t => new object[] { t });

    public static IEnumerable<object[]> PersistedTypes() =>
        EventManifests.ByType.Keys.OrderBy(t => t.FullName).Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void Every_event_type_has_an_explicit_short_manifest(Type type)
    {
        Assert.True(EventManifests.ByType.TryGetValue(type, out var m), $"{type.Name} has no manifest");
        Assert.False(m!.StartsWith("T:"));
        Assert.True(m.Length <= 24, $"manifest '{m}' is not short");
    }

    [Theory]
    [MemberData(nameof(PersistedTypes))]
    public void Every_persisted_type_round_trips(Type type)
    {
        var original = Samples.Create(type, type.Name);
        var manifest = _serializer.Manifest(original);
        var bytes = _serializer.ToBinary(original);
        var back = _serializer.FromBinary(bytes, manifest);

        Assert.Equal(type, back.GetType());
        Assert.Equal(Json(original), Json(back));
    }

    [Fact]
    public void Manifests_are_unique()
    {
        var manifests = EventManifests.ByType.Values.ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
    }

    /// <summary>Manifests once written must keep meaning the same type.</summary>
    [Fact]
    public void Published_manifests_never_change()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "manifests.txt");
        foreach (var line in File.ReadAllLines(file).Where(l => !l.StartsWith("#") && l.Contains("=")))
        {
            var (manifest, typeName) = (line[..line.IndexOf('=')], line[(line.IndexOf('=') + 1)..]);
            Assert.True(EventManifests.ByManifest.TryGetValue(manifest, out var t), $"manifest '{manifest}' was removed");
            Assert.Equal(typeName, t!.FullName);
        }
    }

    [Fact]
    public void A_snapshot_of_a_finished_migration_round_trips_with_its_log()
    {
        var machine = new Domain.Workflows.Migration.MigrationMachine();
        var s = machine.Initial("UPID:node1:00000001:00000001:6B000000:qmigrate:100:root@pam!admin:");
        var events = machine.Decide(s, new StartWorkflow(new Domain.Workflows.Migration.MigrationRequest(
            100, "node1", "node2", true, false, null, null, false, false, "root@pam!admin"), DateTimeOffset.UnixEpoch));
        s = machine.ApplyAll(s, events.Append(new TaskLogged(["line one", "line two"], DateTimeOffset.UnixEpoch)));
        var back = (Domain.Workflows.Migration.MigrationWorkflowState)_serializer.FromBinary(_serializer.ToBinary(s), _serializer.Manifest(s));
        Assert.Equal(["line one", "line two"], back.Core.Log);
        Assert.Equal("node2", back.Request!.Target);
        Assert.Equal(s.Core.Upid, back.Core.Upid);
    }

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType());
}
