using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

public class ConntrackAndNodeTests : IDisposable
{
    private readonly SimEnv _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task Conntrack_entries_move_from_source_to_target()
    {
        var source = _env.Node("pve1");
        var target = _env.Node("pve2");
        await source.Hypervisor.StartAsync(Spec(100));

        var entries = await source.Conntrack.DumpAsync(100);
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Contains("zone=100", e));
        Assert.Empty(await source.Conntrack.DumpAsync(101));

        Assert.Equal(3, await target.Conntrack.LoadAsync(100, entries));
        Assert.Equal(0, await target.Conntrack.LoadAsync(100, entries)); // already there
        Assert.Equal(entries, await target.Conntrack.DumpAsync(100));

        Assert.Equal(3, await source.Conntrack.FlushAsync(100));
        Assert.Equal(0, await source.Conntrack.FlushAsync(100));
        Assert.Empty(await source.Conntrack.DumpAsync(100));
        Assert.Equal(3, (await _env.Node("pve2").Conntrack.DumpAsync(100)).Count); // survives a restart
    }

    [Fact]
    public async Task Facts_come_from_settings_then_options()
    {
        var defaults = await _env.Node("pve1").GetFactsAsync();
        Assert.Equal(("pve1", "127.0.0.1", "1.0.0", "GenuineIntel", true),
            (defaults.Node, defaults.Address, defaults.Version, defaults.CpuVendor, defaults.Online));
        Assert.True(defaults.MaxCpu > 0 && defaults.MaxMem > 0);

        var custom = _env.Factory.Create(_env.Settings("pve2") with { Version = "8.2.4", CpuVendor = "AuthenticAMD", Address = "10.0.0.2" });
        var facts = await custom.GetFactsAsync();
        Assert.Equal(("8.2.4", "AuthenticAMD", "10.0.0.2"), (facts.Version, facts.CpuVendor, facts.Address));
        Assert.Equal("pve2", custom.Hypervisor.Node);
        Assert.Equal("pve2", custom.Storage.Node);
    }

    [Fact]
    public void Factory_is_named_sim_and_loads_options()
    {
        var f = SimulatedNodeDriverFactory.FromDictionary(new Dictionary<string, string> { ["speed-factor"] = "4", ["cpu-vendor"] = "AuthenticAMD" });
        Assert.Equal("sim", f.Name);
        Assert.Equal(4, f.Options.SpeedFactor);
        Assert.Equal("AuthenticAMD", f.Options.CpuVendor);
        Assert.Throws<ArgumentException>(() => new SimulatedNodeDriverFactory(new SimulationOptions { SpeedFactor = 0 }));
    }
}
