namespace ActorMigration.Drivers.Qemu.Util;

/// <summary>Runs a program in a node's VM network namespace (<c>ip netns exec</c>, which execs it: its pid stays the program's).</summary>
internal static class NetnsCommand
{
    /// <summary>The program and arguments that run <paramref name="file"/> in <paramref name="ns"/>; null: as it is.</summary>
    public static (string File, List<string> Args) Wrap(string? ns, string file, IEnumerable<string> args) =>
        ns is not null ? ("ip", ["netns", "exec", ns, file, .. args]) : (file, [.. args]);
}
