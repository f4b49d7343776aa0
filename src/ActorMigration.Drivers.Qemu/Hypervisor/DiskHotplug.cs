using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// Disks of a running VM through QMP, as qemu-server's vm_deviceplug and qemu_block_resize: blockdev-add, device_add
/// (virtio-blk-pci, or scsi-hd on the virtio-scsi controller scsihw0, added first when missing) and block_resize.
/// The devices get the ids and bus addresses <see cref="QemuCommandLine"/> gives them at start.
/// </summary>
internal sealed class DiskHotplug(QmpSessions qmp, string node, ILogger log)
{
    public const string ScsiController = "scsihw0";

    public async Task<VmDisks> QueryAsync(int vmid, CancellationToken ct)
    {
        var nodes = new HashSet<string>();
        if (await qmp.ExecuteAsync(vmid, "query-named-block-nodes", ct: ct) is JsonArray list)
            foreach (var n in list)
                if (QmpMapping.Str(n, "node-name") is { } name && name.StartsWith("drive-", StringComparison.Ordinal))
                    nodes.Add(QemuCommandLine.DriveKey(name));
        var devices = new HashSet<string>();
        var peripherals = await qmp.ExecuteAsync(vmid, "qom-list", new JsonObject { ["path"] = "/machine/peripheral" }, ct: ct);
        if (peripherals is JsonArray props)
            foreach (var p in props)
                if (QmpMapping.Str(p, "type")?.StartsWith("child<", StringComparison.Ordinal) == true && QmpMapping.Str(p, "name") is { } id)
                    devices.Add(id);
        return new VmDisks(nodes, devices);
    }

    public async Task AddBlockNodeAsync(int vmid, DiskLaunch disk, CancellationToken ct)
    {
        var spec = (JsonObject)JsonNode.Parse(QemuCommandLine.BlockdevJson(QemuCommandLine.NodeName(disk.Drive), disk.Path!, disk.Format, false))!;
        await qmp.ExecuteAsync(vmid, "blockdev-add", spec, ct: ct);
        log.LogInformation("Added block node {BlockNode} of {VmId} on {Node}", QemuCommandLine.NodeName(disk.Drive), vmid, node);
    }

    public async Task AddDeviceAsync(int vmid, DiskLaunch disk, CancellationToken ct)
    {
        var args = new JsonObject { ["id"] = disk.Drive, ["drive"] = QemuCommandLine.NodeName(disk.Drive) };
        switch (disk.Bus)
        {
            case "virtio":
                args["driver"] = "virtio-blk-pci";
                break;
            case "scsi":
                if (!(await QueryAsync(vmid, ct)).Devices.Contains(ScsiController))
                {
                    await qmp.ExecuteAsync(vmid, "device_add", new JsonObject { ["driver"] = "virtio-scsi-pci", ["id"] = ScsiController }, ct: ct);
                    log.LogInformation("Added controller {Device} to {VmId} on {Node}", ScsiController, vmid, node);
                }
                args["driver"] = "scsi-hd";
                args["bus"] = ScsiController + ".0";
                args["channel"] = 0;
                args["scsi-id"] = disk.Index;
                args["lun"] = 0;
                break;
            default:
                throw new InvalidOperationException($"can't hotplug device '{disk.Drive}'");
        }
        await qmp.ExecuteAsync(vmid, "device_add", args, ct: ct);
        log.LogInformation("Added device {Device} to {VmId} on {Node}", disk.Drive, vmid, node);
    }

    public async Task BlockResizeAsync(int vmid, string drive, long sizeBytes, CancellationToken ct)
    {
        await qmp.ExecuteAsync(vmid, "block_resize",
            new JsonObject { ["node-name"] = QemuCommandLine.NodeName(drive), ["size"] = sizeBytes }, TimeSpan.FromSeconds(60), ct);
        log.LogInformation("Resized {BlockNode} of {VmId} on {Node} to {SizeBytes} bytes", QemuCommandLine.NodeName(drive), vmid, node, sizeBytes);
    }
}
