using System.Net;

namespace ActorMigration.TestSupport;

/// <summary>
/// <see cref="ThreeMembers"/> with the real QEMU driver (<see cref="QemuEnv"/>: the test guest, one incoming/NBD port
/// range per node, so per member), shared by the tests of a class (an xunit class fixture) or by a bench. Each member's
/// QEMUs live under its own data dir: &lt;data of mN&gt;/run/nodeN/qemu/&lt;vmid&gt;. Tracks the members' age (the
/// oldest runs the shard coordinator): m1, m2, m3 at the start; a restarted member is the youngest.
/// </summary>
public sealed class ThreeQemuMembers : IAsyncLifetime
{
    private readonly List<int> _ages = [0, 1, 2];

    public ThreeMembers Three { get; private set; } = null!;

    public MemberProcess this[int i] => Three[i];

    public IReadOnlyList<MemberProcess> Members => Three.Members;

    public MemberProcess Hosting(string node) => Three.Hosting(node);

    /// <summary>The oldest running member (the shard coordinator's host), by start order.</summary>
    public MemberProcess Oldest => _ages.Select(i => Three[i]).First(m => m.Pid is not null);

    /// <summary>mN for messages.</summary>
    public string Name(MemberProcess m) => $"m{Three.Members.ToList().IndexOf(m) + 1}";

    public static async Task<ThreeQemuMembers> StartAsync()
    {
        var f = new ThreeQemuMembers();
        await f.InitializeAsync();
        return f;
    }

    /// <summary>Storage <c>shared</c> is one directory for all three members (<see cref="SharedStorage"/>).</summary>
    public async Task InitializeAsync()
    {
        for (var i = 1; i <= 3; i++) await QemuEnv.CleanLeftoversAsync($"am-m{i}");
        Three = await ThreeMembers.StartAsync(env: await QemuEnv.EnvWithPortsAsync(), sharedStorage: SharedStorage.NewDir());
        foreach (var m in Three.Members) await QemuEnv.MarkOwnerAsync(m);
    }

    /// <summary>
    /// Restarts every member a test killed (each then is the youngest, <see cref="ThreeMembers.RestartAsync"/>) and waits until
    /// all see all three nodes online.
    /// </summary>
    public async Task EnsureAllRunningAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            if (Three[i].Pid is not null) continue;
            await Three.RestartAsync(i);
            _ages.Remove(i);
            _ages.Add(i);
        }
        foreach (var m in Three.Members) await Three.WaitOnlineAsync(m, ThreeMembers.Nodes, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// Creates and starts the VM on <paramref name="node"/> through its member, waits until the guest has printed heartbeat
    /// <paramref name="beats"/> (a guest some 10 s old no longer touches fresh pages) and until its record runs on that
    /// member; returns the QEMU pid.
    /// </summary>
    public async Task<int> StartGuestAsync(string node, int vmid, int memoryMiB, int beats = 40)
    {
        var m = Hosting(node);
        var upid = await m.Client.Upid(m.Client.Post($"/nodes/{node}/qemu", ("vmid", vmid.ToString()), ("memory", memoryMiB.ToString()),
            ("net0", "virtio,bridge=vmbr0"), ("start", "1")));
        var status = await m.Client.Wait(upid, TimeSpan.FromSeconds(180));
        if (status != "OK") throw new InvalidOperationException($"create {vmid} on {node}: {status}\n{string.Join('\n', await m.Client.Log(upid))}");
        var pid = Reality.QemuPid(m.DataDir, node, vmid) ?? throw new InvalidOperationException($"no live QEMU for {vmid} on {node}");
        await GuestConsole.WaitForHeartbeatAsync(m.DataDir, node, vmid, beats);
        await WaitRecordOnAsync(node, vmid);
        return pid;
    }

    /// <summary>
    /// Waits until the VM's record runs on the member hosting <paramref name="node"/> (where its VM runs): a record follows its
    /// VM only at the coordinator's next rebalance round after a migration.
    /// </summary>
    public async Task WaitRecordOnAsync(string node, int vmid)
    {
        var m = Hosting(node);
        // Read the config each round: a record handed off to its member starts at its next message.
        await PveClient.Eventually(async () => (await m.Client.Get($"/nodes/{node}/qemu/{vmid}/config")).Status == HttpStatusCode.OK
            && RecordMember(vmid) == m, TimeSpan.FromSeconds(90), $"record of {vmid} on {Name(m)}");
    }

    /// <summary>The running member whose current output last says the VM's record started there (null if none).</summary>
    public MemberProcess? RecordMember(int vmid) =>
        Three.Members.Where(m => m.Pid is not null)
            .Select(m => (m, at: m.ReadLog().Split('\n').LastOrDefault(l => l.Contains($"VM record vm-{vmid} started on", StringComparison.Ordinal))))
            .Where(x => x.at is { Length: >= 12 })
            .OrderByDescending(x => x.at![..12], StringComparer.Ordinal)
            .Select(x => x.m)
            .FirstOrDefault();

    /// <summary>Every live qemu-system process of the VM under any member's data dir (/proc scan): (pid, node).</summary>
    public IReadOnlyList<(int Pid, string Node)> QemuProcesses(int vmid) =>
        [.. Three.Members.SelectMany(m => Reality.QemuProcesses(m.DataDir, vmid))];

    /// <summary>The VM's config on <paramref name="node"/> as a member sees it (null unless 200).</summary>
    public static async Task<System.Text.Json.Nodes.JsonNode?> ConfigAsync(MemberProcess viewer, string node, int vmid)
    {
        var r = await viewer.Client.Get($"/nodes/{node}/qemu/{vmid}/config");
        return r.Status == HttpStatusCode.OK ? r.Data : null;
    }

    /// <summary>Best effort: stops the VM wherever a QEMU of it runs, then kills what is left.</summary>
    public async Task StopQuietlyAsync(int vmid)
    {
        foreach (var (pid, node) in QemuProcesses(vmid))
        {
            try
            {
                var m = Hosting(node);
                if (m.Pid is not null && await m.Client.Post($"/nodes/{node}/qemu/{vmid}/status/stop") is { Status: HttpStatusCode.OK } r)
                    await m.Client.Wait(r.Data!.GetValue<string>(), TimeSpan.FromSeconds(30));
            }
            catch (Exception)
            {
                // The member may be gone: the kill below still ends the process.
            }
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (Exception)
            {
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Three is not null) await Three.DisposeAsync();
    }
}
