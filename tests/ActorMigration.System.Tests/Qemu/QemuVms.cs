using System.Net;
using System.Text.RegularExpressions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>API calls and reality checks the real-QEMU tests share.</summary>
public static class QemuVms
{
    public static readonly TimeSpan TaskTimeout = TimeSpan.FromSeconds(180);

    /// <summary>POST /nodes/{node}/qemu (with net0 and the given memory), optionally started; waits for the task.</summary>
    public static async Task CreateAsync(PveClient c, string node, int vmid, int memoryMiB, bool start, params (string, string)[] extra)
    {
        var form = new List<(string, string)>
        {
            ("vmid", vmid.ToString()), ("memory", memoryMiB.ToString()), ("net0", "virtio,bridge=vmbr0"),
        };
        if (start) form.Add(("start", "1"));
        form.AddRange(extra);
        var upid = await c.Upid(c.Post($"/nodes/{node}/qemu", form.ToArray()));
        var status = await c.Wait(upid, TaskTimeout);
        Assert.True(status == "OK", $"create {vmid}: {status}\n{string.Join('\n', await c.Log(upid))}");
    }

    /// <summary>Creates and starts a VM and waits until the guest's heartbeat runs and its disk probe ended.</summary>
    public static async Task<int> StartGuestAsync(MemberProcess m, string node, int vmid, int memoryMiB, params (string, string)[] extra)
    {
        await CreateAsync(m.Client, node, vmid, memoryMiB, start: true, extra);
        var pid = Reality.QemuPid(m.DataDir, node, vmid);
        Assert.True(pid is not null, $"no live QEMU for {vmid} on {node} after start");
        await GuestConsole.WaitForSettledAsync(m.DataDir, node, vmid);
        return pid!.Value;
    }

    public static async Task<string> Phase(PveClient c, string upid)
    {
        var r = await c.Get($"/nodes/{upid.Split(':')[1]}/tasks/{upid}/status");
        return r.Data?["phase"]?.GetValue<string>() ?? "";
    }

    /// <summary>Waits for the task and fails with its log unless it ended OK.</summary>
    public static async Task<IReadOnlyList<string>> WaitOk(MemberProcess m, string upid, TimeSpan? timeout = null)
    {
        var status = await m.Client.Wait(upid, timeout ?? TaskTimeout);
        var log = await m.Client.Log(upid);
        Assert.True(status == "OK", $"task {upid} ended '{status}':\n{string.Join('\n', log)}\n--- member log tail ---\n{Tail(m.ReadLog(), 40)}");
        return log;
    }

    /// <summary>
    /// The QEMU-reported downtime from "average migration speed: ... - downtime N ms", once in the log. Never 0 for a
    /// real switchover (stopping the vCPU and sending the device state takes time): 0 means the figures were read
    /// before QEMU had computed them.
    /// </summary>
    public static long Downtime(IReadOnlyList<string> log)
    {
        var line = Assert.Single(log, l => l.Contains("average migration speed: ") && l.Contains(" - downtime "));
        var m = Regex.Match(line, @" - downtime (\d+) ms$");
        Assert.True(m.Success, line);
        var downtime = long.Parse(m.Groups[1].Value);
        Assert.True(downtime is >= 1 and <= 60_000, line);
        return downtime;
    }

    /// <summary>
    /// Exactly one QEMU runs the VM, on <paramref name="node"/>: by pidfiles on all three nodes (pid alive and its
    /// command line naming the pidfile) and by a /proc scan for qemu-system processes of this VM in this data dir.
    /// </summary>
    public static int AssertOneQemuOn(MemberProcess m, int vmid, string node)
    {
        Assert.Equal([node], Reality.NodesRunningQemu(m.DataDir, vmid, QemuEnv.Nodes));
        var pid = Reality.QemuPid(m.DataDir, node, vmid)!.Value;
        Assert.Equal([(pid, node)], Reality.QemuProcesses(m.DataDir, vmid));
        Assert.True(Reality.IsAlive(pid));
        Assert.Contains(Reality.QemuPidFile(m.DataDir, node, vmid), Reality.CommandLine(pid));
        foreach (var other in QemuEnv.Nodes.Where(n => n != node))
            Assert.False(File.Exists(Reality.QemuPidFile(m.DataDir, other, vmid)), $"pidfile of {vmid} left on {other}");
        return pid;
    }

    /// <summary>The old QEMU process is gone (or its pid now belongs to something else).</summary>
    public static void AssertGone(MemberProcess m, int pid, string node, int vmid) =>
        Assert.False(Reality.IsAlive(pid) && Reality.CommandLine(pid).Contains(Reality.QemuPidFile(m.DataDir, node, vmid)),
            $"QEMU pid {pid} of {vmid} still runs on {node}: {Reality.CommandLine(pid)}");

    /// <summary>The VM record (config) lives on <paramref name="node"/> only, unlocked; status/current says running with that pid.</summary>
    public static async Task AssertOwnedAndRunning(PveClient c, int vmid, string node, int pid)
    {
        foreach (var other in QemuEnv.Nodes.Where(n => n != node))
            Assert.Equal(HttpStatusCode.InternalServerError, (await c.Get($"/nodes/{other}/qemu/{vmid}/config")).Status);
        var cfg = await c.Get($"/nodes/{node}/qemu/{vmid}/config");
        Assert.Equal(HttpStatusCode.OK, cfg.Status);
        Assert.Null(cfg.Data!["lock"]);
        var cur = await c.Get($"/nodes/{node}/qemu/{vmid}/status/current");
        Assert.Equal(HttpStatusCode.OK, cur.Status);
        Assert.Equal("running", cur.Data!["status"]!.GetValue<string>());
        Assert.Equal("running", cur.Data["qmpstatus"]!.GetValue<string>());
        Assert.Equal(pid, cur.Data["pid"]!.GetValue<int>());
    }

    /// <summary>Best effort at the end of a test: stop the VM through the API, then kill whatever QEMU of it is left.</summary>
    public static async Task StopQuietly(MemberProcess m, int vmid)
    {
        try
        {
            foreach (var node in QemuEnv.Nodes)
            {
                if (Reality.QemuPid(m.DataDir, node, vmid) is null) continue;
                var r = await m.Client.Post($"/nodes/{node}/qemu/{vmid}/status/stop");
                if (r.Status == HttpStatusCode.OK) await m.Client.Wait(r.Data!.GetValue<string>(), TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception)
        {
            // The member may be gone; the kill below still cleans up.
        }
        foreach (var (pid, _) in Reality.QemuProcesses(m.DataDir, vmid))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (Exception)
            {
            }
        }
    }

    /// <summary>Runs a tool (qemu-img, qemu-io) and returns its exit code and stdout+stderr.</summary>
    public static async Task<(int ExitCode, string Output)> Run(string program, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, ((await stdout) + (await stderr)).Trim());
    }

    public static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
