using System.Globalization;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Import;

/// <summary>
/// Turns import metadata (OVF, OVA or VMX) into the parameters of <c>POST /nodes/{node}/qemu</c>,
/// the way the Proxmox import wizard does.
/// </summary>
public static partial class OvfImport
{
    public static readonly IReadOnlyList<string> TargetFormats = ["raw", "qcow2", "vmdk"];

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.\-]*$")]
    private static partial Regex BridgeRe();

    /// <summary>
    /// <c>vmid</c>, the create-args as they are, each disk as <c>scsi0=&lt;storage&gt;:0,import-from=&lt;volid&gt;[,format=...]</c>,
    /// <c>efidisk0=&lt;storage&gt;:1,efitype=4m[,format=...]</c> for UEFI guests, each NIC as
    /// <c>net0=&lt;model&gt;[=&lt;mac&gt;],bridge=&lt;bridge&gt;</c>, then the optional
    /// <c>import-working-storage</c> and <c>live-restore=1</c>.
    /// </summary>
    public static OrderedDictionary<string, string> CreateParams(ImportMetadata meta, int vmid, string targetStorage,
        string bridge = "vmbr0", string? format = null, string? importWorkingStorage = null, bool liveRestore = false)
    {
        ArgumentNullException.ThrowIfNull(meta);
        if (vmid < 100 || vmid > 999_999_999)
            throw new ArgumentOutOfRangeException(nameof(vmid), vmid, "vmid must be between 100 and 999999999");
        CheckStorage(targetStorage, nameof(targetStorage));
        if (importWorkingStorage is not null) CheckStorage(importWorkingStorage, nameof(importWorkingStorage));
        if (format is not null && !TargetFormats.Contains(format))
            throw new ArgumentException($"format must be one of {string.Join(", ", TargetFormats)}, got '{format}'", nameof(format));
        if (!BridgeRe().IsMatch(bridge ?? ""))
            throw new ArgumentException($"invalid bridge name '{bridge}'", nameof(bridge));

        var p = new OrderedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["vmid"] = vmid.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in meta.CreateArgs) p[k] = v;

        var fmt = format is null ? "" : $",format={format}";
        foreach (var (key, disk) in meta.Disks)
        {
            if (disk.VolId.Contains(','))
                throw new ArgumentException($"disk {key}: volume id '{disk.VolId}' cannot be used in a drive string");
            p[key] = $"{targetStorage}:0,import-from={disk.VolId}{fmt}";
        }
        if (meta.EfiDisk) p["efidisk0"] = $"{targetStorage}:1,efitype=4m{fmt}";

        foreach (var (key, nic) in meta.Net)
        {
            var head = nic.MacAddr is null ? nic.Model : $"{nic.Model}={nic.MacAddr}";
            p[key] = NetSpec.Parse($"{head},bridge={bridge}").ToString();
        }

        if (importWorkingStorage is not null) p["import-working-storage"] = importWorkingStorage;
        if (liveRestore) p["live-restore"] = "1";
        return p;
    }

    private static void CheckStorage(string storage, string param)
    {
        if (!StorageConfig.StorageIdRe.IsMatch(storage ?? ""))
            throw new ArgumentException($"invalid storage id '{storage}'", param);
    }
}
