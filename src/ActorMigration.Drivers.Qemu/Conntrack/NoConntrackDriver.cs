using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>Placeholder until real conntrack support lands: reports and moves no entries.</summary>
public sealed class NoConntrackDriver : IConntrackDriver
{
    public Task<IReadOnlyList<string>> DumpAsync(int vmid, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public Task<int> LoadAsync(int vmid, IReadOnlyList<string> entries, CancellationToken ct = default) => Task.FromResult(0);

    public Task<int> FlushAsync(int vmid, CancellationToken ct = default) => Task.FromResult(0);
}
