using System.Globalization;
using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Cluster;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>GET /nodes/{node}/status as pve-manager's API2::Nodes status: the node's host as the node itself measures it.</summary>
public static class NodeStatusEndpoints
{
    public static async Task<IResult> Status(ApiServices s, string node)
    {
        if (s.CheckNode(node) is { } bad) return bad;
        var facts = s.Facts(node, TimeSpan.FromSeconds(5));
        var status = StatusOf(s, node);
        if (await facts is not { } f || await status is not { } st) return PveResult.Error(ApiServices.Offline(node));
        var k = st.Kernel;
        return PveResult.Data(new Dictionary<string, object?>
        {
            ["uptime"] = st.Uptime,
            ["idle"] = 0,
            ["loadavg"] = st.LoadAvg.Select(l => l.ToString("0.00", CultureInfo.InvariantCulture)).ToList(),
            ["cpu"] = Math.Round(st.Cpu, 6),
            ["wait"] = Math.Round(st.Wait, 6),
            ["cpuinfo"] = new Dictionary<string, object?>
            {
                ["cpus"] = f.MaxCpu, ["model"] = st.CpuInfo.Model, ["sockets"] = st.CpuInfo.Sockets, ["cores"] = st.CpuInfo.Cores,
                ["mhz"] = st.CpuInfo.Mhz.ToString("0.000", CultureInfo.InvariantCulture), ["user_hz"] = 100,
                ["hvm"] = st.CpuInfo.Hvm ? "1" : "0", ["flags"] = st.CpuInfo.Flags, ["vendor"] = f.CpuVendor,
            },
            ["memory"] = Space(st.Memory, avail: true),
            ["swap"] = Space(st.Swap, avail: false),
            ["rootfs"] = Space(st.RootFs, avail: true),
            ["ksm"] = new Dictionary<string, object?> { ["shared"] = st.KsmShared },
            ["kversion"] = $"{k.Sysname} {k.Release} {k.Version}",
            ["current-kernel"] = new Dictionary<string, object?>
            {
                ["sysname"] = k.Sysname, ["release"] = k.Release, ["version"] = k.Version, ["machine"] = k.Machine,
            },
            ["boot-info"] = new Dictionary<string, object?> { ["mode"] = "legacy-bios" },
            ["pveversion"] = PveVersion.Manager(s.Options.Version),
            // Our extensions: the accelerator QEMU uses on the node, and the node's address.
            ["accelerator"] = f.Accelerator,
            ["address"] = f.Address,
        });
    }

    private static async Task<NodeStatus?> StatusOf(ApiServices s, string node)
    {
        if (!s.IsOnline(node)) return null;
        try
        {
            return await s.Nodes.Ask<NodeStatus>(new GetNodeStatus(node), TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
        {
            return null;
        }
    }

    private static Dictionary<string, object?> Space(SpaceUsage u, bool avail)
    {
        var d = new Dictionary<string, object?> { ["total"] = u.Total, ["used"] = u.Used, ["free"] = u.Free };
        if (avail) d["avail"] = u.Avail;
        return d;
    }
}
