using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Hypervisor;

/// <summary>The VM option <c>arch</c> (qemu-server: x86_64 or aarch64, default the host's). Both drivers run x86_64 only.</summary>
public static class VmArch
{
    public static readonly string[] Values = ["x86_64", "aarch64"];

    /// <summary>Why a VM with this config cannot start here, or null.</summary>
    public static string? StartError(QmSection c) =>
        c["arch"] is { } a && a != "x86_64"
            ? $"arch '{a}' is not supported: this engine runs x86_64 guests only (qemu-system-x86_64)"
            : null;
}
