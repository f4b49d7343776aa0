using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// Tap NICs of a node whose VMs live in a network namespace (<see cref="NodeSettings.VmNetns"/>): QEMU runs there, and the
/// commands of <see cref="TapPlan"/> plug its taps into the namespace's bridges. Without a namespace NICs stay user-mode.
/// </summary>
internal sealed class TapNics(NodeSettings settings, ILogger log)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Whether NICs with a bridge become taps (the node has a VM namespace).</summary>
    public bool Enabled => settings.VmNetns is not null;

    /// <summary>The program and arguments that run <paramref name="file"/> in the node's VM namespace.</summary>
    public (string File, List<string> Args) Wrap(string file, IEnumerable<string> args) => NetnsCommand.Wrap(settings.VmNetns, file, args);

    /// <summary>Throws Proxmox's start error of a NIC whose bridge is missing (or cannot carry its tag).</summary>
    public async Task CheckAsync(VmLaunchSpec spec, CancellationToken ct)
    {
        if (!Enabled) return;
        foreach (var nic in spec.Nics.Where(n => n.Bridge is not null)) await CheckAsync(nic, ct);
    }

    /// <summary>Throws Proxmox's error of a NIC whose bridge is missing (or cannot carry its tag).</summary>
    public async Task CheckAsync(NicLaunch nic, CancellationToken ct)
    {
        if (Enabled && nic.Bridge is not null && TapPlan.StartError(nic, await BridgeAsync(nic.Bridge, ct)) is { } error)
            throw new InvalidOperationException(error);
    }

    /// <summary>Plugs the running VM's taps into their bridges (rate, VLAN, MTU) and installs their firewall marks.</summary>
    public async Task PlugAsync(VmLaunchSpec spec, CancellationToken ct)
    {
        if (!Enabled) return;
        foreach (var nic in spec.Nics.Where(n => n.Bridge is not null)) await PlugAsync(spec.VmId, nic, ct);
    }

    /// <summary>Plugs one tap (QEMU made it) into its bridge, with its firewall marks; a NIC without a bridge has none.</summary>
    public async Task PlugAsync(int vmid, NicLaunch nic, CancellationToken ct)
    {
        if (!Enabled || nic.Bridge is null) return;
        var bridge = await BridgeAsync(nic.Bridge, ct) ?? throw new InvalidOperationException(TapPlan.MissingBridge(nic.Bridge));
        var tap = TapPlan.TapName(vmid, nic.Name);
        foreach (var cmd in TapPlan.Plug(vmid, nic, bridge))
            await RunAsync(cmd, $"can't add interface '{tap}' to bridge '{nic.Bridge}'", ct, optional: TapPlan.IsIngressPolice(cmd));
        if (nic.Firewall)
        {
            await RunAsync(["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"], "can't enable bridge netfilter", ct);
            foreach (var cmd in TapPlan.Firewall(vmid, tap)) await RunAsync(cmd, $"can't set up the firewall of '{tap}'", ct);
        }
        log.LogInformation("Plugged {Tap} of {VmId} into {Bridge} in {Netns}", tap, vmid, nic.Bridge, settings.VmNetns);
    }

    /// <summary>Removes the firewall tables of a VM's taps (the taps go away with QEMU).</summary>
    public async Task UnplugAsync(int vmid, CancellationToken ct)
    {
        if (!Enabled) return;
        var (file, args) = Wrap("nft", ["list", "tables"]);
        var r = await ProcessRunner.RunAsync(file, args, CommandTimeout, ct: ct);
        var prefix = TapPlan.FirewallTable($"tap{vmid}i");
        var taps = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ').Last()).Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).Distinct();
        foreach (var table in taps)
            foreach (var cmd in TapPlan.FirewallRemoval(table[TapPlan.FirewallTablePrefix.Length..]))
            {
                var (f, a) = Wrap(cmd[0], cmd[1..]);
                await ProcessRunner.RunAsync(f, a, CommandTimeout, ct: ct);
            }
    }

    private async Task<BridgeFacts?> BridgeAsync(string bridge, CancellationToken ct)
    {
        var (file, args) = Wrap("ip", ["-j", "-d", "link", "show", "dev", bridge]);
        var r = await ProcessRunner.RunAsync(file, args, CommandTimeout, ct: ct);
        if (r.ExitCode != 0 || JsonNode.Parse(r.StdOut) is not JsonArray { Count: 1 } list || list[0] is not JsonObject link) return null;
        if (link["linkinfo"]?["info_kind"]?.GetValue<string>() != "bridge") return null;
        var vlan = link["linkinfo"]?["info_data"]?["vlan_filtering"]?.GetValue<int>() == 1;
        return new BridgeFacts(link["mtu"]?.GetValue<int>() ?? 1500, vlan);
    }

    private async Task RunAsync(string[] cmd, string what, CancellationToken ct, bool optional = false)
    {
        var (file, args) = Wrap(cmd[0], cmd[1..]);
        var r = await ProcessRunner.RunAsync(file, args, CommandTimeout, ct: ct);
        if (r.ExitCode != 0 && optional)
            log.LogWarning("{Command} failed in {Netns} (the guest-to-host rate limit is off): {Error}", string.Join(' ', cmd), settings.VmNetns, r.ErrorText);
        else if (r.ExitCode != 0) throw new InvalidOperationException($"{what}: {string.Join(' ', cmd)}: {r.ErrorText}");
    }
}
