using System.Text.Json.Nodes;
using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// /nodes/{node}/qemu/{vmid}/agent (qemu-server's PVE::API2::Qemu::Agent): the index, the generic POST with
/// <c>command</c>, and the ping and network-get-interfaces commands, each answered as <c>{"result": …}</c> after
/// assert_agent_available's checks (agent configured, VM running, guest-ping answered within 3 s).
/// </summary>
public static class AgentEndpoints
{
    /// <summary>Proxmox's agent commands without parameters (the generic POST's <c>command</c> enum).</summary>
    public static readonly string[] Commands =
    [
        "fsfreeze-freeze", "fsfreeze-status", "fsfreeze-thaw", "fstrim", "get-fsinfo", "get-host-name", "get-memory-block-info",
        "get-memory-blocks", "get-osinfo", "get-time", "get-timezone", "get-users", "get-vcpus", "info", "network-get-interfaces",
        "ping", "shutdown", "suspend-disk", "suspend-hybrid", "suspend-ram",
    ];

    /// <summary>The commands with a path of their own here (the index lists these).</summary>
    private static readonly (string Command, string Method)[] Routed = [("network-get-interfaces", "GET"), ("ping", "POST")];

    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(3), CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Proxmox 8's privilege for agent commands (Proxmox 9 splits it into VM.GuestAgent.*, not modelled here).</summary>
    private static readonly Need AgentNeed = Need.Vm("VM.Monitor");

    public static void Map(RouteGroupBuilder api)
    {
        var nodeVm = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam());
        api.MapGet("/nodes/{node}/qemu/{vmid}/agent", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, nodeVm, _ => Task.FromResult(PveResult.Data(Routed.Select(r => r.Command).Order(StringComparer.Ordinal)
                .Select(c => new Dictionary<string, object?> { ["name"] = c }).ToList()))));
        api.MapPost("/nodes/{node}/qemu/{vmid}/agent", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, AgentNeed, new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("command", Optional: false, Enum: Commands)),
                p => Run(s, p, p["command"]!)));
        foreach (var (command, method) in Routed)
        {
            var path = $"/nodes/{{node}}/qemu/{{vmid}}/agent/{command}";
            Delegate handler = (HttpContext ctx, ApiServices s) => Handler.Run(ctx, AgentNeed, nodeVm, p => Run(s, p, command));
            if (method == "GET") api.MapGet(path, handler);
            else api.MapPost(path, handler);
        }
    }

    private static async Task<IResult> Run(ApiServices s, PveParams p, string command)
    {
        var node = p["node"]!;
        var (facts, err) = await s.VmFactsOnNode(node, p.Int("vmid"));
        if (err is not null) return err;
        var vmid = facts!.Vm.VmId;
        // assert_agent_available: any agent value counts as configured here; a disabled one then finds no agent.
        if (QmConfig.Parse(facts.Vm.ConfigText)["agent"] is null) return PveResult.Error(GuestAgent.NotConfigured);
        if (!facts.Runtime.IsAlive) return PveResult.Error(GuestAgent.VmNotRunning(vmid));
        if (await Ask(s, node, vmid, "guest-ping", PingTimeout) is null) return PveResult.Error(GuestAgent.NotRunning);
        if (await Ask(s, node, vmid, "guest-" + command, CommandTimeout) is not { } json) return PveResult.Error(GuestAgent.NotRunning);
        return PveResult.Data(new Dictionary<string, object?> { ["result"] = JsonNode.Parse(json) });
    }

    /// <summary>The agent's answer as JSON, or null when it did not answer; a command error is Proxmox's "Agent error: …".</summary>
    private static async Task<string?> Ask(ApiServices s, string node, int vmid, string command, TimeSpan timeout)
    {
        try
        {
            return (await s.Nodes.Ask<NodeGuestAgent>(new QueryNodeGuestAgent(node, vmid, command, timeout), timeout + ApiServices.AskTimeout)).Json;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
