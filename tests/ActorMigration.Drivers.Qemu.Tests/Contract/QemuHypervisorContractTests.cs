using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>The hypervisor contract on real QEMU with the test guest.</summary>
public sealed class QemuHypervisorContractTests(ITestOutputHelper output) : HypervisorDriverContract
{
    private TestEnv? _env;

    private TestEnv Env => _env ?? throw new InvalidOperationException("not initialized");

    protected override TimeSpan Patience => TimeSpan.FromSeconds(90);

    public override async Task InitializeAsync() => _env = await TestEnv.CreateAsync(output);

    public override async Task DisposeAsync()
    {
        if (_env is not null) await _env.DisposeAsync();
    }

    protected override Task<INodeDriver> AddNodeAsync(string name) => Task.FromResult<INodeDriver>(Env.AddNode(name));

    protected override async Task<INodeDriver> ReopenAsync(INodeDriver node)
    {
        // QEMU serves one QMP client per socket: the old instance lets go first, as a crashed member would.
        await node.DisposeAsync();
        return Env.Reopen(node.Settings);
    }
}
