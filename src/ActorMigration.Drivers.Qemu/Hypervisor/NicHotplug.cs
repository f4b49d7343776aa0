using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Qmp;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// A NIC plugged into a running VM through QMP, as qemu-server's vm_deviceplug for netN: netdev_add (the tap, or
/// user-mode, as <see cref="QemuCommandLine"/> makes them at start), the tap into its bridge, then device_add with the
/// NIC's id and MAC. A retry after a crash finds the netdev there and goes on.
/// </summary>
internal sealed class NicHotplug(QmpSessions qmp, TapNics taps, string node, ILogger log)
{
    public async Task AddAsync(int vmid, NicLaunch nic, CancellationToken ct)
    {
        await taps.CheckAsync(nic, ct);
        var tap = taps.Enabled && nic.Bridge is not null;
        var netdev = tap
            ? new JsonObject
            {
                ["type"] = "tap", ["id"] = nic.Name, ["ifname"] = TapPlan.TapName(vmid, nic.Name), ["script"] = "no", ["downscript"] = "no",
            }
            : new JsonObject { ["type"] = "user", ["id"] = nic.Name, ["restrict"] = true };
        try
        {
            await qmp.ExecuteAsync(vmid, "netdev_add", netdev, ct: ct);
        }
        catch (QmpException e) when (e.Desc.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            // added before a crash: the device is what is missing
        }
        await taps.PlugAsync(vmid, nic, ct);
        var device = new JsonObject { ["driver"] = QemuCommandLine.NicDevice(nic.Model), ["netdev"] = nic.Name, ["id"] = nic.Name };
        if (nic.Mac is { } mac) device["mac"] = mac;
        if (tap && nic is { Model: "virtio", Mtu: > 1 }) device["host_mtu"] = nic.Mtu;
        await qmp.ExecuteAsync(vmid, "device_add", device, ct: ct);
        log.LogInformation("Added NIC {Nic} ({Netdev}) to {VmId} on {Node}", nic.Name, tap ? "tap" : "user", vmid, node);
    }
}
