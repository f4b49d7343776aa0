using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Reset and the guest agent: a VM started with an agent channel runs a simulated qemu-ga that answers while the guest runs.</summary>
public sealed partial class SimulatedHypervisorDriver
{
    public async Task ResetAsync(int vmid, CancellationToken ct = default)
    {
        await Mutate(vmid, vm => vm.Resets++, ct);
        _log.LogInformation("Node {Node}: reset simulated VM {VmId}", Node, vmid);
    }

    /// <summary>The number of resets of a running VM (tests), or null when it does not run.</summary>
    public int? Resets(int vmid) => Load(vmid)?.Resets;

    public Task<string> GuestAgentAsync(int vmid, string command, TimeSpan timeout, CancellationToken ct = default)
    {
        // A stopped or paused guest does not answer, as a real agent (guest-ping times out).
        if (Load(vmid) is not { Agent: not null } vm || EffectiveState(vm) != VmRunState.Running)
            throw new GuestAgentNotRunningException($"guest-ping of VM {vmid}: no answer within {timeout.TotalSeconds:0.#} s");
        JsonNode result = command switch
        {
            "guest-ping" => new JsonObject(),
            "guest-network-get-interfaces" => Interfaces(vm),
            "guest-get-host-name" => new JsonObject { ["host-name"] = vm.Name },
            "guest-info" => new JsonObject { ["version"] = "simulated", ["supported_commands"] = new JsonArray() },
            _ => throw new InvalidOperationException($"Agent error: The command {command} has not been found")
        };
        return Task.FromResult(result.ToJsonString());
    }

    /// <summary>guest-network-get-interfaces of the simulated guest: lo, then one ethN per NIC with a 10.x.y.z address.</summary>
    private static JsonArray Interfaces(SimVmState vm)
    {
        static JsonObject Addr(string type, string ip, int prefix) =>
            new() { ["ip-address-type"] = type, ["ip-address"] = ip, ["prefix"] = prefix };
        var list = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "lo", ["hardware-address"] = "00:00:00:00:00:00",
                ["ip-addresses"] = new JsonArray(Addr("ipv4", "127.0.0.1", 8), Addr("ipv6", "::1", 128))
            }
        };
        for (var i = 0; i < vm.Macs.Count; i++)
            list.Add(new JsonObject
            {
                ["name"] = $"eth{i}",
                ["hardware-address"] = (vm.Macs[i] ?? $"52:54:00:12:34:{56 + i:x2}").ToLowerInvariant(),
                ["ip-addresses"] = new JsonArray(Addr("ipv4", $"10.{vm.VmId / 256 % 256}.{vm.VmId % 256}.{10 + i}", 24))
            });
        return list;
    }
}
