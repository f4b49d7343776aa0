using System.Text.Json;
using System.Text.Json.Serialization;
using ActorMigration.Actors.Nodes;
using ActorMigration.Domain.Workflows;
using Akka.Actor;

namespace ActorMigration.Actors.Persistence;

/// <summary>
/// <see cref="NodeStep"/> carries its step as the abstract <see cref="WorkflowStep"/>: keep the step's type next to it.
/// A payload without "stamp" (written before stamps existed) reads as a command without a deadline.
/// </summary>
internal sealed class NodeStepConverter : JsonConverter<NodeStep>
{
    public override NodeStep Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var type = ActorMigrationSerializer.TypeOf("T:" + root.GetProperty("stepType").GetString());
        if (!typeof(WorkflowStep).IsAssignableFrom(type)) throw new JsonException($"{type} is no workflow step");
        return new NodeStep(root.GetProperty("node").GetString()!,
            (WorkflowStep)root.GetProperty("step").Deserialize(type, options)!,
            root.GetProperty("progressTo").Deserialize<IActorRef?>(options),
            root.TryGetProperty("stamp", out var stamp) ? stamp.Deserialize<StepStamp?>(options) : null);
    }

    public override void Write(Utf8JsonWriter writer, NodeStep value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("node", value.Node);
        writer.WriteString("stepType", ActorMigrationSerializer.TypeName(value.Step.GetType()));
        writer.WritePropertyName("step");
        JsonSerializer.Serialize(writer, value.Step, value.Step.GetType(), options);
        writer.WritePropertyName("progressTo");
        JsonSerializer.Serialize(writer, value.ProgressTo, options);
        writer.WritePropertyName("stamp");
        JsonSerializer.Serialize(writer, value.Stamp, options);
        writer.WriteEndObject();
    }
}
