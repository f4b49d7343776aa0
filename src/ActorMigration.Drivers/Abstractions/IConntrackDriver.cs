namespace ActorMigration.Drivers.Abstractions;

/// <summary>Conntrack entries of a node's host network, selected per VM.</summary>
public interface IConntrackDriver
{
    /// <summary>Entries that belong to the VM, in conntrack's own text format.</summary>
    Task<IReadOnlyList<string>> DumpAsync(int vmid, CancellationToken ct = default);

    /// <summary>Loads entries; returns how many were created.</summary>
    Task<int> LoadAsync(int vmid, IReadOnlyList<string> entries, CancellationToken ct = default);

    /// <summary>Deletes the VM's entries; returns how many were removed.</summary>
    Task<int> FlushAsync(int vmid, CancellationToken ct = default);
}
