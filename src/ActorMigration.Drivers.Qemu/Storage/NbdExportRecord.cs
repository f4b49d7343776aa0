using System.Text.Json;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>A qemu-nbd export as recorded in &lt;RunDir&gt;/nbd/&lt;id&gt;.json.</summary>
internal sealed record NbdExportRecord(string Id, string VolId, string Path, int Port, bool Writable, string Uri, string PidFile)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static NbdExportRecord? Read(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<NbdExportRecord>(File.ReadAllText(file), Json);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Write(string file)
    {
        File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(this, Json));
        File.Move(file + ".tmp", file, overwrite: true);
    }
}
