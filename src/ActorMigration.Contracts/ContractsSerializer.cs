using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace ActorMigration.Contracts;

/// <summary>
/// The contract messages as JSON with stable, versioned manifests (<c>v1.submit-migrate</c>, …): a manifest once
/// published keeps its meaning; a new shape gets a new version. Bound by <see cref="Hocon"/> on members and clients.
/// </summary>
public sealed class ContractsSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4712;

    /// <summary>The binding both ends add to their configuration.</summary>
    public const string Hocon = """
        akka.actor.serializers.am-contracts = "ActorMigration.Contracts.ContractsSerializer, ActorMigration.Contracts"
        akka.actor.serialization-bindings { "ActorMigration.Contracts.IServiceMessage, ActorMigration.Contracts" = am-contracts }
        """;

    public static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(SubmitMigrate)] = "v1.submit-migrate",
        [typeof(SubmitClone)] = "v1.submit-clone",
        [typeof(SubmitCreate)] = "v1.submit-create",
        [typeof(SubmitStart)] = "v1.submit-start",
        [typeof(SubmitStop)] = "v1.submit-stop",
        [typeof(QueryTask)] = "v1.query-task",
        [typeof(SubscribeTaskEvents)] = "v1.subscribe-events",
        [typeof(UnsubscribeTaskEvents)] = "v1.unsubscribe-events",
        [typeof(TaskAccepted)] = "v1.task-accepted",
        [typeof(Refused)] = "v1.refused",
        [typeof(TaskReport)] = "v1.task-report",
        [typeof(TaskEvent)] = "v1.task-event",
        [typeof(TaskEventsKeepAlive)] = "v1.events-keepalive",
        [typeof(TaskEventsEnded)] = "v1.events-ended",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> Types = Manifests.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"{o.GetType()} is not a contract message");

    public override byte[] ToBinary(object obj)
    {
        _ = Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"empty {manifest} payload")
            : throw new SerializationException($"unknown contract manifest '{manifest}' (this side knows version {Gateway.Version})");
}
