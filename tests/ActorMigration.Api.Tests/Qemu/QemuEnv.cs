using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Drivers.Qemu.GuestImage;

namespace ActorMigration.Api.Tests.Qemu;

/// <summary>All real-QEMU tests run one after another: each boots guests under TCG on a 2-core machine.</summary>
[CollectionDefinition("qemu", DisableParallelization = true)]
public sealed class QemuCollection;

/// <summary>Members with the real QEMU driver (AM_DRIVER=qemu) and the test guest image.</summary>
public static class QemuEnv
{
    public const string DataDirPrefix = "am-qe2e";
    public static readonly string[] Nodes = ["node1", "node2", "node3"];

    private static readonly Lazy<Task<string>> Guest = new(() => OperatingSystem.IsLinux()
        ? GuestImageBuilder.EnsureBuiltAsync(Path.Combine(Repo.Root, ".build", "guest"), Repo.Root)
        : throw new PlatformNotSupportedException("the QEMU driver runs on Linux only"));

    private static int _cleaned;

    /// <summary>The guest image directory, built (cached by the script) on first use.</summary>
    public static Task<string> GuestDirAsync() => Guest.Value;

    /// <summary>
    /// A member process (not started) that hosts node1..node3 with the QEMU driver. Each member gets its own
    /// port ranges for incoming migrations and NBD (64000–65499), away from the default 60000+ of other members on
    /// this machine and from the driver tests' 61000–63999.
    /// </summary>
    public static async Task<MemberProcess> CreateMemberAsync(IDictionary<string, string>? extra = null)
    {
        if (Interlocked.Exchange(ref _cleaned, 1) == 0) await CleanLeftoversAsync();
        var guest = await GuestDirAsync();
        var slot = Random.Shared.Next(0, 5);
        var env = new Dictionary<string, string>
        {
            ["AM_DRIVER"] = "qemu",
            ["AM_GUEST_DIR"] = guest,
            ["AM_POLL_MS"] = "100",
        };
        for (var i = 0; i < Nodes.Length; i++)
        {
            var start = 64000 + slot * 300 + i * 100;
            env[$"AM_NODE_{Nodes[i].ToUpperInvariant()}_PORT_START"] = start.ToString();
            env[$"AM_NODE_{Nodes[i].ToUpperInvariant()}_PORT_END"] = (start + 99).ToString();
        }
        if (extra is not null)
            foreach (var (k, v) in extra) env[k] = v;
        var m = new MemberProcess(env, DataDirPrefix);
        // Marks whose data dir this is, so a later run can clean up after a test host that died.
        await File.WriteAllTextAsync(Path.Combine(m.DataDir, "owner.pid"), Environment.ProcessId.ToString());
        return m;
    }

    /// <summary>Data dirs (and their QEMUs) left by test hosts that no longer run.</summary>
    private static async Task CleanLeftoversAsync()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), DataDirPrefix + "-*"))
        {
            var owner = Path.Combine(dir, "owner.pid");
            if (!File.Exists(owner) || !int.TryParse(File.ReadAllText(owner).Trim(), out var pid)) continue;
            if (pid == Environment.ProcessId || Reality.IsAlive(pid)) continue;
            await Reality.KillProcessesMentioningAsync(dir);
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
