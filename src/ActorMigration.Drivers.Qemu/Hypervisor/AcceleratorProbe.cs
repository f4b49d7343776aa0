using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Chosen accelerator and why.</summary>
public sealed record AcceleratorChoice(string Accelerator, string Reason);

/// <summary>
/// Decides between KVM and TCG by running guest code once under KVM (nested KVM may exist but hang): the test kernel's
/// heartbeat when the test kernel option is set, else SeaBIOS's banner on its debug port (0x402), with no guest disk.
/// Cached per process.
/// </summary>
internal static class AcceleratorProbe
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<AcceleratorChoice>>> Cache = new();

    public static Task<AcceleratorChoice> GetAsync(QemuDriverOptions o)
    {
        if (o.Accelerator is "kvm" or "tcg") return Task.FromResult(new AcceleratorChoice(o.Accelerator, "configured"));
        var key = $"{o.QemuSystem}|{o.GuestKernel}|{o.GuestInitrd}";
        return Cache.GetOrAdd(key, _ => new Lazy<Task<AcceleratorChoice>>(() => ProbeAsync(o))).Value;
    }

    private static async Task<AcceleratorChoice> ProbeAsync(QemuDriverOptions o)
    {
        if (!File.Exists("/dev/kvm")) return new("tcg", "/dev/kvm missing");
        var dir = Directory.CreateTempSubdirectory("am-kvm-probe-").FullName;
        var log = Path.Combine(dir, "serial.log");
        var psi = new ProcessStartInfo(o.QemuSystem)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false
        };
        var (probeArgs, marker, what) = o.GuestKernel is { } kernel && o.GuestInitrd is { } initrd
            ? (new[] { "-serial", $"file:{log}", "-kernel", kernel, "-initrd", initrd, "-append", o.GuestCmdline }, "heartbeat", "guest heartbeat")
            : (["-chardev", $"file,id=dbg,path={log}", "-device", "isa-debugcon,iobase=0x402,chardev=dbg"], "SeaBIOS (version", "SeaBIOS banner");
        foreach (var a in new[] { "-machine", "pc,accel=kvm", "-cpu", "host", "-m", "256", "-nodefaults", "-no-user-config", "-display", "none" })
            psi.ArgumentList.Add(a);
        foreach (var a in probeArgs) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            while (sw.Elapsed < o.KvmProbeTimeout)
            {
                if (p.HasExited)
                    return new("tcg", $"KVM start failed: {(await err).Trim()}");
                if (File.Exists(log) && (await File.ReadAllTextAsync(log)).Contains(marker, StringComparison.Ordinal))
                {
                    p.Kill(true);
                    return new("kvm", $"{what} under KVM after {sw.Elapsed.TotalSeconds:F1}s");
                }
                await Task.Delay(200);
            }
            p.Kill(true);
            return new("tcg", $"no {what} under KVM within {o.KvmProbeTimeout.TotalSeconds:F0}s");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return new("tcg", $"KVM probe failed: {e.Message}");
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
