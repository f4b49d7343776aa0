using ActorMigration.Conntrack.Tests.Infrastructure;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Conntrack;
using Xunit.Abstractions;

namespace ActorMigration.Conntrack.Tests.Contract;

/// <summary>The conntrack contract on the kernel's tables, one network namespace per node (ct mark = vmid).</summary>
public sealed class LinuxConntrackContractTests(ITestOutputHelper output) : ConntrackDriverContract
{
    private readonly TestLog _log = new(output);
    private readonly Dictionary<IConntrackDriver, Netns> _namespaces = new();

    protected override async Task<IConntrackDriver> AddNodeAsync(string role)
    {
        var ns = await Netns.CreateAsync(role);
        var driver = new LinuxConntrackDriver(new ConntrackOptions { Netns = ns.Name }, _log.Logger);
        _namespaces[driver] = ns;
        return driver;
    }

    protected override async Task SeedAsync(IConntrackDriver node, int vmid, int count)
    {
        for (var i = 0; i < count; i++)
            await _namespaces[node].Conntrack(["-I", "-p", "tcp", "-s", $"192.0.2.{10 + i}", "-d", $"198.51.100.{vmid % 200}",
                "--sport", (40000 + i).ToString(), "--dport", "443", "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED",
                "-t", "3000", "-m", vmid.ToString()]);
    }

    public override async Task DisposeAsync()
    {
        foreach (var ns in _namespaces.Values) await ns.DisposeAsync();
    }
}
