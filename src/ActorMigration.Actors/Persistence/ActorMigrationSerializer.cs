using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace ActorMigration.Actors.Persistence;

/// <summary>
/// The one serializer for our persisted events, snapshots and cluster messages: System.Text.Json with
/// stable short manifests for everything persisted (see <see cref="EventManifests"/>).
/// Other of our types travel with their type name as manifest.
/// </summary>
public sealed class ActorMigrationSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 4711;
    private const string TypePrefix = "T:";
    private static readonly ConcurrentDictionary<string, Type> TypeCache = new();
    private readonly JsonSerializerOptions _options;
    // VM record events are read strictly: a payload that misses a field or has null where none may be is unreadable,
    // not a record with a null config.
    private readonly JsonSerializerOptions _vmEventOptions;

    public ActorMigrationSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = CreateOptions(system);
        _vmEventOptions = new JsonSerializerOptions(_options) { RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true };
    }

    public override int Identifier => SerializerId;

    public static JsonSerializerOptions CreateOptions(ExtendedActorSystem? system)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            IncludeFields = false,
        };
        if (system is not null) o.Converters.Add(new ActorRefConverter(system));
        o.Converters.Add(new StartTaskConverter());
        o.Converters.Add(new NodeStepConverter());
        return o;
    }

    public override string Manifest(object o) =>
        EventManifests.ByType.TryGetValue(o.GetType(), out var m) ? m : TypePrefix + TypeName(o.GetType());

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = TypeOf(manifest);
        try
        {
            var options = typeof(Domain.Vms.IVmEvent).IsAssignableFrom(type) ? _vmEventOptions : _options;
            return JsonSerializer.Deserialize(bytes, type, options)
                   ?? throw new SerializationException($"null payload for manifest '{manifest}'");
        }
        // One stored event that does not decode must not stop a recovery or a query stream (snapshots and
        // messages still fail: a snapshot offer of the wrong type would be ignored silently).
        catch (Exception e) when (IsEvent(type) && e is not OutOfMemoryException)
        {
            return new UnreadableEvent(manifest, e.Message);
        }
    }

    private static bool IsEvent(Type t) =>
        typeof(Domain.Vms.IVmEvent).IsAssignableFrom(t) || typeof(Domain.Workflows.IWorkflowEvent).IsAssignableFrom(t)
        || typeof(Domain.Access.IAccessEvent).IsAssignableFrom(t) || typeof(Domain.Ha.IHaConfigEvent).IsAssignableFrom(t);

    public static string TypeName(Type t) => $"{t.FullName}, {t.Assembly.GetName().Name}";

    public static Type TypeOf(string manifest)
    {
        if (EventManifests.ByManifest.TryGetValue(manifest, out var t)) return t;
        if (!manifest.StartsWith(TypePrefix, StringComparison.Ordinal))
            throw new SerializationException($"unknown manifest '{manifest}'");
        return TypeCache.GetOrAdd(manifest[TypePrefix.Length..], n =>
            Type.GetType(n) ?? throw new SerializationException($"unknown type '{n}'"));
    }

    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override IActorRef? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : system.Provider.ResolveActorRef(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Serialization.SerializedActorPath(value));
    }

    /// <summary>StartTask carries its request as object: keep the request's type next to it.</summary>
    private sealed class StartTaskConverter : JsonConverter<Workflows.StartTask>
    {
        public override Workflows.StartTask Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            var type = Type.GetType(root.GetProperty("requestType").GetString()!)!;
            return new Workflows.StartTask(root.GetProperty("upid").GetString()!,
                root.GetProperty("request").Deserialize(type, options)!);
        }

        public override void Write(Utf8JsonWriter writer, Workflows.StartTask value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("upid", value.Upid);
            writer.WriteString("requestType", TypeName(value.Request.GetType()));
            writer.WritePropertyName("request");
            JsonSerializer.Serialize(writer, value.Request, value.Request.GetType(), options);
            writer.WriteEndObject();
        }
    }
}
