using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Chosen accelerator and why.</summary>
public sealed record AcceleratorChoice(string Accelerator, string Reason);

/// <summary>
/// Decides between KVM and TCG by booting the guest image once under KVM and waiting for its heartbeat
/// (nested KVM may exist but hang). Cached per process.
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
        if (o.GuestKernel is null || o.GuestInitrd is null) return new("tcg", "no guest image to probe KVM with");
        var dir = Directory.CreateTempSubdirectory("am-kvm-probe-").FullName;
        var log = Path.Combine(dir, "serial.log");
        var psi = new ProcessStartInfo(o.QemuSystem)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false
        };
        foreach (var a in new[]
                 {
                     "-machine", "pc,accel=kvm", "-cpu", "host", "-m", "256", "-nodefaults", "-no-user-config", "-display", "none",
                     "-serial", $"file:{log}", "-kernel", o.GuestKernel, "-initrd", o.GuestInitrd, "-append", o.GuestCmdline
                 })
            psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            while (sw.Elapsed < o.KvmProbeTimeout)
            {
                if (p.HasExited)
                    return new("tcg", $"KVM start failed: {(await err).Trim()}");
                if (File.Exists(log) && (await File.ReadAllTextAsync(log)).Contains("heartbeat"))
                {
                    p.Kill(true);
                    return new("kvm", $"guest heartbeat under KVM after {sw.Elapsed.TotalSeconds:F1}s");
                }
                await Task.Delay(200);
            }
            p.Kill(true);
            return new("tcg", $"no guest heartbeat under KVM within {o.KvmProbeTimeout.TotalSeconds:F0}s");
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
