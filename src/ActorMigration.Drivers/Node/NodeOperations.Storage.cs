using ActorMigration.Domain.Cluster;

namespace ActorMigration.Drivers.Node;

/// <summary>Storage reads of /nodes/{node}/storage: space and content, the same for both drivers.</summary>
public sealed partial class NodeOperations
{
    /// <summary>Each storage's space; one that cannot be read is inactive (Proxmox: active 0), not an error.</summary>
    public async Task<IReadOnlyList<StorageSpace>> StorageSpaces(IReadOnlyList<string> storages, CancellationToken ct = default)
    {
        var result = new List<StorageSpace>();
        foreach (var id in storages)
        {
            try
            {
                result.Add(await Storage.SpaceAsync(id, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result.Add(new StorageSpace(id, false, 0, 0, 0));
            }
        }
        return result;
    }

    /// <summary>The storage's volumes (of one VM) with their files' change times (Unix seconds).</summary>
    public async Task<IReadOnlyList<StorageVolume>> StorageContent(string storage, int? vmid, CancellationToken ct = default)
    {
        var list = await Storage.ListAsync(storage, vmid, ct);
        return list.Select(v => new StorageVolume(v, CTimeOf(v.Path))).ToList();
    }

    private static long CTimeOf(string path)
    {
        try
        {
            return File.Exists(path) ? new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeSeconds() : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
