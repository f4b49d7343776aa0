using System.Diagnostics;
using ActorMigration.Actors.Fencing;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Actors.Tests.Fencing;

/// <summary>The real watchdog process (ActorMigration.Watchdog) against real processes registered as a node's VMs.</summary>
public sealed class WatchdogProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("am-wd-").FullName;
    private readonly List<IDisposable> _owned = [];

    private string RunDir => Path.Combine(_dir, "run", "node1");
    private string Log => Path.Combine(_dir, "logs", "watchdog-node1.log");

    public void Dispose()
    {
        if (PidFiles.LivePid(WatchdogFiles.PidFile(RunDir)) is { } pid) Process.GetProcessById(pid).Kill();
        foreach (var o in _owned) o.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private WatchdogClient Client(string driver = "qemu") => Own(new WatchdogClient("node1", RunDir, driver, Log));

    private T Own<T>(T o) where T : IDisposable
    {
        _owned.Add(o);
        return o;
    }

    private FakeVmProcess Vm(int vmid, string file = "qemu.pid", bool marked = true) =>
        Own(new FakeVmProcess(Path.Combine(RunDir, "qemu", vmid.ToString(), file), marked));

    private static long In(int ms) => Environment.TickCount64 + ms;

    [Fact]
    public async Task Without_pets_the_node_s_qemu_swtpm_and_nbd_processes_are_killed_after_the_deadline_and_not_before()
    {
        var qemu = Vm(100);
        var tpm = Vm(100, "swtpm.pid");
        var nbd = Own(new FakeVmProcess(Path.Combine(RunDir, "nbd", "vm-100-disk-0-60001.pid")));
        var dog = Client();
        dog.EnsureRunning();
        Assert.StartsWith("disarmed", dog.Status());
        await Task.Delay(500);
        Assert.True(qemu.Alive, "a watchdog that was never petted must not fire");

        var sw = Stopwatch.StartNew();
        Assert.StartsWith("armed", dog.Pet(In(1500)));
        while (qemu.Alive && sw.ElapsedMilliseconds < 10000) await Task.Delay(20);
        Assert.False(qemu.Alive, "QEMU still runs 10 s after the deadline");
        Assert.InRange(sw.ElapsedMilliseconds, 1400, 6000); // the deadline, plus a generous bound for a busy machine
        await WaitFor(() => !tpm.Alive && !nbd.Alive);
        Assert.Equal("disarmed fired 1", dog.Status());
        var log = await File.ReadAllTextAsync(Log);
        Assert.Contains($"qemu pid {qemu.Pid} (VM 100)", log);
        Assert.Contains($"swtpm pid {tpm.Pid} (VM 100)", log);
        Assert.Contains($"qemu-nbd pid {nbd.Pid}", log);
    }

    [Fact]
    public async Task Pets_keep_the_vm_alive_a_recycled_pid_is_never_killed_and_it_stays_disarmed_after_firing()
    {
        var qemu = Vm(100);
        var recycled = Vm(101, marked: false); // qemu.pid of VM 101 names a process that is not its QEMU
        var dog = Client();
        dog.EnsureRunning();
        for (var i = 0; i < 10; i++)
        {
            Assert.StartsWith("armed", dog.Pet(In(3000)));
            await Task.Delay(300);
        }
        Assert.True(qemu.Alive, "petted every 300 ms with 3 s deadlines, the VM must live");
        await WaitFor(() => !qemu.Alive);
        await WaitFor(() => dog.Status() == "disarmed fired 1");
        Assert.True(recycled.Alive, "a pid without the pidfile's marker was killed");

        var later = Vm(102); // started after the fence: nothing kills it until a pet arms the watchdog again
        await Task.Delay(1500);
        Assert.True(later.Alive);
        Assert.Equal("disarmed fired 1", dog.Pet(In(-100))); // a deadline already past arms nothing
        dog.Pet(In(300));
        await WaitFor(() => !later.Alive);
        Assert.Equal("disarmed fired 2", dog.Status());
    }

    [Fact]
    public async Task A_disarmed_watchdog_does_not_fire_after_its_deadline_and_a_later_pet_arms_it_again()
    {
        var qemu = Vm(100);
        var dog = Client();
        dog.EnsureRunning();
        Assert.Equal("disarmed fired 0", dog.Disarm()); // disarming a disarmed watchdog changes nothing
        Assert.StartsWith("armed", dog.Pet(In(800)));
        Assert.True(dog.IsArmed());
        Assert.Equal("disarmed fired 0", dog.Disarm());
        Assert.False(dog.IsArmed());
        await Task.Delay(2000); // well past the deadline and many ticks
        Assert.True(qemu.Alive, "a disarmed watchdog fired");
        Assert.Equal("disarmed fired 0", dog.Status());
        var log = await File.ReadAllTextAsync(Log);
        Assert.Single(log.Split('\n'), l => l.Contains("disarmed by the member"));

        dog.Pet(In(300));
        await WaitFor(() => !qemu.Alive);
        Assert.Equal("disarmed fired 1", dog.Status());
    }

    [Fact]
    public async Task The_watchdog_runs_in_its_own_session_a_second_client_finds_it_and_a_second_watchdog_does_not_start()
    {
        var first = Client();
        var pid = first.EnsureRunning();
        Assert.Equal(pid, SessionOf(pid)); // setsid: it leads a session of its own, so killing the member's group spares it
        Assert.NotEqual(SessionOf(Environment.ProcessId), SessionOf(pid));
        first.Pet(In(60000));

        var second = Client(); // a new member incarnation
        Assert.Equal(pid, second.EnsureRunning());
        Assert.StartsWith("armed", second.Status());

        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        psi.ArgumentList.Add(WatchdogClient.Program);
        foreach (var a in WatchdogFiles.Arguments("node1", RunDir, "qemu", Log)) psi.ArgumentList.Add(a);
        using var again = Process.Start(psi)!;
        await again.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(pid, PidFiles.LivePid(WatchdogFiles.PidFile(RunDir)));
        Assert.Contains($"another watchdog (pid {pid}) already guards this node", await File.ReadAllTextAsync(Log));
    }

    [Fact]
    public async Task Asked_to_stop_while_armed_it_fences_first_and_the_simulated_driver_s_vms_end()
    {
        var vms = Path.Combine(RunDir, "sim", "vms");
        Directory.CreateDirectory(vms);
        await File.WriteAllTextAsync(Path.Combine(vms, "100.json"), """{"vmId":100,"pid":4242,"state":"running"}""");
        var dog = Client("sim");
        var pid = dog.EnsureRunning();
        dog.Pet(In(60000));
        Process.GetProcessById(pid).Kill(entireProcessTree: false); // SIGKILL cannot be caught: nothing fenced
        await WaitFor(() => !PidFiles.IsAlive(pid));
        Assert.True(File.Exists(Path.Combine(vms, "100.json")));

        pid = dog.EnsureRunning();
        dog.Pet(In(60000));
        using (var term = Process.Start("kill", ["-TERM", pid.ToString()])) await term.WaitForExitAsync();
        await WaitFor(() => !PidFiles.IsAlive(pid));
        Assert.False(File.Exists(Path.Combine(vms, "100.json")), "the simulated VM survived a watchdog stopped while armed");
        Assert.Contains("FENCED (asked to stop while armed): killed 1 VM process(es); simulated VM pid 4242 (VM 100)",
            await File.ReadAllTextAsync(Log));
    }

    private static int SessionOf(int pid) => int.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ')[4]);

    private static async Task WaitFor(Func<bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(20);
        }
    }
}
