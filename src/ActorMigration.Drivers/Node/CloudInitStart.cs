using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Node;

/// <summary>
/// vm_start's apply_cloudinit_config: before a VM starts (not as a migration's target, which keeps the copied
/// image), its cloud-init drives get a fresh NoCloud image from the config.
/// </summary>
internal static class CloudInitStart
{
    public static async Task ApplyAsync(IStorageDriver storage, int vmid, QmConfig cfg, CancellationToken ct = default)
    {
        var drives = CloudInitDrive.Of(cfg.Main, vmid).ToList();
        if (drives.Count == 0) return;
        var custom = new Dictionary<string, string>();
        if (cfg.Main["cicustom"] is { } cicustom)
            foreach (var (kind, volid) in PropertyString.Parse(cicustom).Items)
                custom[kind] = await storage.ReadTextAsync(volid, ct);
        var image = NoCloud.Generate(cfg.Main, vmid, custom);
        foreach (var (_, volid) in drives) await storage.WriteCloudInitAsync(volid, image, ct);
    }
}
