using System.Text.Json;
using ActorMigration.Domain.CloudInit;

namespace ActorMigration.Drivers.Simulated;

/// <summary>A simulated cloud-init image: the ISO's label and files as JSON in the volume file.</summary>
public static class SimCloudInit
{
    public static string Serialize(NoCloudImage image) =>
        JsonSerializer.Serialize(new { label = NoCloudImage.Label, files = image.Files });

    /// <summary>The files of a simulated image (null if the file holds none).</summary>
    public static IReadOnlyDictionary<string, string>? Read(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }
        catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
