using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// A disk inside an OVA is read in place by qemu-img: a raw window (offset/size) of the archive under the image's
/// format driver (the member's extension), so nothing needs extracting; it is inspected as an untrusted image first.
/// Its <see cref="VolumeInfo.Path"/> is that json: spec.
/// </summary>
internal sealed class QemuOvaDisks(QemuImg img)
{
    public async Task<VolumeInfo?> InfoAsync(string volid, StoragePath ova, string member, CancellationToken ct)
    {
        if (await OvaDisks.FindAsync(ova, member, ct) is not { } m) return null;
        var format = OvaDisks.FormatOf(member)!;
        await UntrustedFiles.InspectMemberAsync(ova, m, volid, format, ct);
        var spec = new JsonObject
        {
            ["driver"] = format,
            ["file"] = new JsonObject
            {
                // qemu's raw window takes whole sectors; a tar pads every member to 512 bytes with zeroes.
                ["driver"] = "raw", ["offset"] = m.DataOffset, ["size"] = (m.Length + TarIndex.Block - 1) / TarIndex.Block * TarIndex.Block,
                ["file"] = new JsonObject { ["driver"] = "file", ["filename"] = ova.Path }
            }
        };
        var json = "json:" + spec.ToJsonString();
        var j = await img.InfoOfSpecAsync(json, ct);
        UntrustedFiles.Refuse(volid, QemuImageFacts.From(j, format, volid, null), insideArchive: true);
        return new VolumeInfo(volid, json, format, j["virtual-size"]?.GetValue<long>() ?? 0, m.Length, null, ReadOnly: true);
    }
}
