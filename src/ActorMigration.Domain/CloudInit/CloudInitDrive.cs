using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.CloudInit;

/// <summary>Cloud-init drives: <c>&lt;storage&gt;:cloudinit</c> at create, <c>vm-&lt;vmid&gt;-cloudinit.&lt;fmt&gt;</c> once made.</summary>
public static class CloudInitDrive
{
    /// <summary>qemu-server's CLOUDINIT_DISK_SIZE: 4 MiB.</summary>
    public const long SizeBytes = 4 * 1024 * 1024;

    private static readonly Regex Request = new(@"^([a-z][a-z0-9\-_\.]*[a-z0-9]):cloudinit\z", RegexOptions.Compiled);
    private static readonly Regex Name = new(@"^vm-([0-9]+)-cloudinit(\.(qcow2|raw))?\z", RegexOptions.Compiled);

    /// <summary>The drive asks for a new cloud-init drive on <paramref name="storage"/> (<c>local:cloudinit</c>).</summary>
    public static bool IsRequest(DriveSpec d, out string storage)
    {
        var m = Request.Match(d.File);
        storage = m.Success ? m.Groups[1].Value : "";
        return m.Success;
    }

    /// <summary>The bus may hold a cloud-init drive (qemu-server: ide, sata, scsi).</summary>
    public static bool BusAllowed(string key) => Drives.Bus(key) is "ide" or "sata" or "scsi";

    /// <summary>Proxmox's name on a directory storage: qcow2 unless <c>format=raw</c>.</summary>
    public static string VolId(string storage, int vmid, string format) =>
        VolumeName.ImageVolId(storage, vmid, $"vm-{vmid}-cloudinit.{format}");

    /// <summary>A volume of this VM that is its cloud-init drive.</summary>
    public static bool IsVolume(string volid, int vmid) =>
        VolumeIdRef.TryParse(volid, out var r) && r.VolName.Split('/') is [var dir, var file]
        && dir == vmid.ToString() && Name.Match(file) is { Success: true } m && m.Groups[1].Value == vmid.ToString();

    /// <summary>Any <c>vm-N-cloudinit</c> volume name (for configs of other vmids, e.g. a clone's source).</summary>
    public static bool IsAnyCloudInit(string volid) =>
        VolumeIdRef.TryParse(volid, out var r) && Name.IsMatch(r.VolName.Split('/')[^1]);

    /// <summary>The cloud-init drives of a config section (key, volid).</summary>
    public static IEnumerable<(string Key, string Volid)> Of(QmSection c, int vmid) =>
        Drives.All(c, includeUnused: false).Where(d => IsVolume(d.Drive.File, vmid)).Select(d => (d.Key, d.Drive.File));

    /// <summary>The drive value a request becomes: the volume as a cdrom, other sub-options kept (format dropped).</summary>
    public static string Resolve(DriveSpec request, int vmid)
    {
        IsRequest(request, out var storage);
        var format = request.Props["format"] ?? "qcow2";
        var d = DriveSpec.Parse(request.ToString());
        d.File = VolId(storage, vmid, format);
        d.Props["format"] = null;
        d.Props["media"] = "cdrom";
        return d.ToString();
    }
}
