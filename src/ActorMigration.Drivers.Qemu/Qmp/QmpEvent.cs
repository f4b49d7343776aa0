using System.Text.Json.Nodes;

namespace ActorMigration.Drivers.Qemu.Qmp;

/// <summary>An asynchronous QMP event such as MIGRATION, BLOCK_JOB_READY, STOP, RESUME, SHUTDOWN.</summary>
public sealed record QmpEvent(string Name, JsonObject? Data, DateTimeOffset Timestamp)
{
    public string? DataString(string key) => Data?[key]?.GetValue<string>();

    public override string ToString() => Data is null ? Name : $"{Name} {Data.ToJsonString()}";
}
