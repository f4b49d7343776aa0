namespace ActorMigration.TestSupport;

/// <summary>Members with the real QEMU driver (AM_DRIVER=qemu) and the test guest image.</summary>
public static class QemuEnv
{
    public const string DataDirPrefix = "am-qe2e";
    public static readonly string[] Nodes = ["node1", "node2", "node3"];

    private static int _cleaned;

    /// <summary>The member environment for the real QEMU driver (the guest image is built on first use).</summary>
    public static async Task<Dictionary<string, string>> EnvAsync() => new()
    {
        ["AM_DRIVER"] = "qemu",
        ["AM_TEST_KERNEL"] = await GuestImageFixture.GetAsync(),
        ["AM_POLL_MS"] = "100",
    };

    /// <summary>
    /// A member process (not started) that hosts node1..node3 with the QEMU driver. Each member gets its own
    /// port ranges for incoming migrations and NBD (64000–65499), away from the default 60000+ of other members on
    /// this machine and from the driver tests' 61000–63999.
    /// </summary>
    public static async Task<MemberProcess> CreateMemberAsync(IDictionary<string, string>? extra = null)
    {
        if (Interlocked.Exchange(ref _cleaned, 1) == 0) await CleanLeftoversAsync(DataDirPrefix);
        var env = await EnvWithPortsAsync();
        if (extra is not null)
            foreach (var (k, v) in extra) env[k] = v;
        var m = new MemberProcess(env, DataDirPrefix);
        await MarkOwnerAsync(m);
        return m;
    }

    /// <summary>
    /// <see cref="EnvAsync"/> plus one port range for incoming migrations and NBD per node, in a randomly chosen slot: a
    /// member that hosts one of the nodes uses that node's range, so members of one cluster get distinct ranges.
    /// </summary>
    public static async Task<Dictionary<string, string>> EnvWithPortsAsync()
    {
        var slot = Random.Shared.Next(0, 5);
        var env = await EnvAsync();
        for (var i = 0; i < Nodes.Length; i++)
        {
            var start = 64000 + slot * 300 + i * 100;
            env[$"AM_NODE_{Nodes[i].ToUpperInvariant()}_PORT_START"] = start.ToString();
            env[$"AM_NODE_{Nodes[i].ToUpperInvariant()}_PORT_END"] = (start + 99).ToString();
        }
        return env;
    }

    /// <summary>Marks whose data dir this is, so a later run can clean up after a test host that died.</summary>
    public static Task MarkOwnerAsync(MemberProcess m) =>
        File.WriteAllTextAsync(Path.Combine(m.DataDir, "owner.pid"), Environment.ProcessId.ToString());

    /// <summary>Data dirs named <paramref name="prefix"/>-* (and their QEMUs) left by test hosts that no longer run.</summary>
    public static async Task CleanLeftoversAsync(string prefix)
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "-*"))
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
