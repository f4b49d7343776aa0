using System.Text.Json;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using Akka.Actor;
using Akka.Configuration;

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

    /// <summary>A migration plan stored before disk moves had WithSnapshots decodes as before (a converting copy).</summary>
    [Fact]
    public void Stored_migration_plan_payload_decodes_as_before()
    {
        var json = "{\"plan\":{\"online\":false,\"running\":false,\"targetAddress\":\"10.0.0.2\",\"configText\":\"a\",\"newConfigText\":\"b\"," +
                   "\"incomingConfigText\":\"c\",\"disks\":[{\"drive\":\"scsi0\",\"srcVolid\":\"local:100/vm-100-disk-0.qcow2\"," +
                   "\"dstVolid\":\"local:100/vm-100-disk-0.qcow2\",\"format\":\"qcow2\",\"sizeBytes\":4294967296,\"live\":false}]}}";
        var back = (Domain.Workflows.Migration.MigrationPrepared)_serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(json), "mig.prepared");
        Assert.Equal(new Domain.Workflows.Migration.DiskMove("scsi0", "local:100/vm-100-disk-0.qcow2", "local:100/vm-100-disk-0.qcow2", "qcow2",
            4294967296, false), Assert.Single(back.Plan.Disks));
        var withSnapshots = back with { Plan = back.Plan with { Disks = [back.Plan.Disks[0] with { WithSnapshots = true }] } };
        var again = (Domain.Workflows.Migration.MigrationPrepared)_serializer.FromBinary(_serializer.ToBinary(withSnapshots), "mig.prepared");
        Assert.True(again.Plan.Disks[0].WithSnapshots);
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

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void An_event_payload_that_does_not_decode_becomes_an_unreadable_event(Type type)
    {
        var manifest = EventManifests.ByType[type];
        byte[][] payloads = typeof(IVmEvent).IsAssignableFrom(type)
            // VM record events are read strictly: a missing field or a null where none may be is unreadable too.
            ? ["\u0000{not json"u8.ToArray(), [0xff, 0xfe], "null"u8.ToArray(), "{\"vmId\":\"x\"}"u8.ToArray(), "{\"vmId\":1}"u8.ToArray()]
            : ["\u0000{not json"u8.ToArray(), [0xff, 0xfe], "null"u8.ToArray()];
        foreach (var bytes in payloads)
        {
            var back = Assert.IsType<UnreadableEvent>(_serializer.FromBinary(bytes, manifest));
            Assert.Equal(manifest, back.Manifest);
            Assert.NotEmpty(back.Error);
        }
    }

    [Fact]
    public void A_snapshot_or_an_unknown_manifest_still_fails()
    {
        // A snapshot offer of the wrong type would be ignored silently: better a recovery failure.
        Assert.ThrowsAny<Exception>(() => _serializer.FromBinary("{not json"u8.ToArray(),
            EventManifests.ByType[typeof(Domain.Workflows.Migration.MigrationWorkflowState)]));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => _serializer.FromBinary("{}"u8.ToArray(), "vm.future"));
    }

    [Fact]
    public void A_vm_event_with_a_null_config_is_unreadable()
    {
        var back = _serializer.FromBinary("{\"vmId\":1,\"configText\":null}"u8.ToArray(), "vm.config");
        Assert.IsType<UnreadableEvent>(back);
    }

    /// <summary>Payloads as stored today must keep decoding to the same values (the new VmRecordView field is optional).</summary>
    [Fact]
    public void Stored_vm_payloads_decode_as_before()
    {
        var created = _serializer.FromBinary("{\"vmId\":100,\"node\":\"node1\",\"configText\":\"name: a\\n\"}"u8.ToArray(), "vm.created");
        Assert.Equal(new VmCreated(100, "node1", "name: a\n"), created);
        var snapshot = (VmRecordView)_serializer.FromBinary(
            ("{\"vmId\":100,\"exists\":true,\"node\":\"node1\",\"configText\":\"\",\"lock\":null,"u8
                + "\"lockOwner\":null,\"linkedClones\":[],\"digest\":\"d\"}"u8).ToArray(),
            _serializer.Manifest(new VmRecordView(1, false, null, "", null, null, [], "")));
        Assert.Null(snapshot.Error);
        Assert.Equal("node1", snapshot.Node);
    }

    /// <summary>What the HA manager sends across members: the recovery's start and its state in replies.</summary>
    [Fact]
    public void The_ha_managers_messages_round_trip()
    {
        var request = new Domain.Workflows.HaRecovery.HaRecoveryRequest(100, "node3", "node1", true, true, ["a line"]);
        var start = new ActorMigration.Actors.Workflows.StartTask("UPID:node1:00000000:00000001:6B000000:ha-recovery:100:root@pam:", request);
        var back = (ActorMigration.Actors.Workflows.StartTask)_serializer.FromBinary(_serializer.ToBinary(start), _serializer.Manifest(start));
        Assert.Equal(Json(request), Json(Assert.IsType<Domain.Workflows.HaRecovery.HaRecoveryRequest>(back.Request)));

        var state = Domain.Ha.HaManager.Apply(Domain.Ha.HaManagerState.Empty,
            new Domain.Ha.HaNodeStateChanged("node3", "fenced", ["x"], DateTimeOffset.UnixEpoch));
        var reply = new ActorMigration.Actors.Ha.HaManagerStateReply(state);
        var replyBack = (ActorMigration.Actors.Ha.HaManagerStateReply)_serializer.FromBinary(_serializer.ToBinary(reply), _serializer.Manifest(reply));
        Assert.Equal("fenced", replyBack.State.Nodes["node3"].State);
        Assert.True(replyBack.State.IsFenced("node3"));
    }

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType());
}
