using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Qmp;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// The NBD server inside an incoming VM's QEMU that exports its drives to the source's mirrors; with
/// <paramref name="tls"/> it admits only clients with a certificate of the cluster CA.
/// </summary>
public sealed class IncomingNbdServer(string runDir, string node, QmpSessions qmp, PortAllocator ports, NodeAddress address, QemuTls? tls,
    ILogger log)
{
    private const int PortAttempts = 3;

    /// <summary>Starts the server on a port of the node's range and exports the drives; returns the metadata to record.</summary>
    public async Task<VmMetadata> StartAsync(int vmid, IncomingSpec inc, VmMetadata meta, CancellationToken ct)
    {
        var host = address.ListenHost(inc);
        for (var attempt = 1; ; attempt++)
        {
            var port = ports.Acquire();
            try
            {
                var args = new JsonObject
                {
                    ["addr"] = new JsonObject
                    {
                        ["type"] = "inet",
                        ["data"] = new JsonObject { ["host"] = host, ["port"] = port.ToString() }
                    }
                };
                if (tls is not null) args["tls-creds"] = QemuTls.ServerId;
                await qmp.ExecuteAsync(vmid, "nbd-server-start", args, ct: ct);
            }
            catch (QmpException e) when (attempt < PortAttempts && e.Desc.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                ports.Release(port);
                continue;
            }
            catch
            {
                ports.Release(port);
                throw;
            }
            foreach (var drive in inc.NbdDrives)
            {
                await qmp.ExecuteAsync(vmid, "nbd-server-add", new JsonObject
                {
                    ["device"] = QemuCommandLine.NodeName(drive),
                    ["writable"] = true
                }, ct: ct);
            }
            var uri = $"nbd:{address.UriHost(host)}:{port}";
            log.LogInformation("NBD server of {VmId} on {Node} at {NbdUri} exports {Drives} (TLS {Tls})", vmid, node, uri, inc.NbdDrives,
                tls is not null);
            return meta with { NbdUri = uri, NbdPort = port, NbdDrives = inc.NbdDrives.ToList() };
        }
    }

    /// <summary>Stops the server (not running: no error) and frees its port.</summary>
    public async Task StopAsync(int vmid, CancellationToken ct = default)
    {
        try
        {
            await qmp.ExecuteAsync(vmid, "nbd-server-stop", ct: ct);
            log.LogInformation("Stopped NBD server of {VmId} on {Node}", vmid, node);
        }
        catch (QmpException e) when (e.Desc.Contains("not running", StringComparison.OrdinalIgnoreCase))
        {
        }
        var files = new VmRunFiles(runDir, vmid);
        if (VmMetadata.Read(files.MetaFile) is { NbdPort: { } port } meta)
        {
            ports.Release(port);
            (meta with { NbdPort = null, NbdUri = null }).Write(files.MetaFile);
        }
    }
}
