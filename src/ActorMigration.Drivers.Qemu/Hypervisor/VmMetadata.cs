using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>What a driver instance needs to re-adopt a running QEMU: written next to its pidfile.</summary>
public sealed record VmMetadata
{
    public int VmId { get; init; }
    public string? Name { get; init; }
    public string? Tag { get; init; }
    public string Machine { get; init; } = "";
    public string Accelerator { get; init; } = "tcg";
    public string? QemuVersion { get; init; }
    public string? IncomingUri { get; init; }
    public int? IncomingPort { get; init; }
    public string? NbdUri { get; init; }
    public int? NbdPort { get; init; }
    public IReadOnlyList<string> NbdDrives { get; init; } = [];
    public string? VmGenId { get; init; }

    /// <summary>Where the last outgoing migration was sent (set before QMP migrate).</summary>
    public string? OutgoingUri { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public IReadOnlyList<string> CommandLine { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull
    };

    public static VmMetadata? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<VmMetadata>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Atomic write (temp file + rename).</summary>
    public void Write(string path)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Ports this VM holds in the node's range.</summary>
    public IEnumerable<int> Ports()
    {
        if (IncomingPort is { } i) yield return i;
        if (NbdPort is { } n) yield return n;
    }
}
