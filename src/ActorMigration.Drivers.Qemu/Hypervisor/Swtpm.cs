using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// tpmstate0 as Proxmox runs it (start_swtpm): one swtpm per VM, its control socket in the VM's run dir, its state
/// in the raw tpmstate0 volume (linear file backend). A fresh start first runs swtpm_setup (EK, certificates; an
/// existing state is kept); a migration target does not: its volume was copied before, and QEMU's migration stream
/// brings the source swtpm's live state. swtpm ends with its QEMU (--terminate) and is killed if it outlives it.
/// </summary>
internal static class Swtpm
{
    public const string Drive = "tpmstate0";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SocketWait = TimeSpan.FromSeconds(10);

    public static DiskLaunch? State(VmLaunchSpec s) => s.Disks.FirstOrDefault(d => d.Drive == Drive && d.Path is not null);

    private static bool Tpm2(VmLaunchSpec s) => s.TpmVersion == "v2.0";

    /// <summary>The TPM device on the QEMU command line (tpm-tis on x86, as Proxmox).</summary>
    public static List<string> Args(LaunchPlan p) => State(p.Spec) is null ? [] :
    [
        "-chardev", $"socket,id=tpmchar,path={QemuCommandLine.Escape(p.Files.SwtpmSocket)}",
        "-tpmdev", "emulator,id=tpmdev,chardev=tpmchar",
        "-device", "tpm-tis,tpmdev=tpmdev"
    ];

    /// <summary>Starts swtpm, runs <paramref name="launch"/> (QEMU), and stops swtpm again if the launch fails.</summary>
    public static async Task<T> AroundLaunchAsync<T>(VmLaunchSpec s, VmRunFiles files, ILogger log, Func<Task<T>> launch, CancellationToken ct)
    {
        if (State(s) is not { } state) return await launch();
        await StartAsync(s, state, files, log, ct);
        try
        {
            return await launch();
        }
        catch
        {
            await StopAsync(files, log);
            throw;
        }
    }

    private static async Task StartAsync(VmLaunchSpec s, DiskLaunch state, VmRunFiles files, ILogger log, CancellationToken ct)
    {
        if (state.Format != "raw") throw new InvalidOperationException($"unsupported tpmstate0 format '{state.Format}', must be raw");
        if (state.Path!.Contains(',')) throw new InvalidOperationException($"tpmstate0 path '{state.Path}' contains a comma");
        await StopAsync(files, log);
        if (s.Incoming is null)
        {
            List<string> setup =
            [
                "--tpmstate", $"file://{state.Path}", "--createek", "--create-ek-cert", "--create-platform-cert", "--lock-nvram",
                "--config", "/etc/swtpm_setup.conf", "--not-overwrite"
            ];
            // As root, swtpm_setup would switch to the 'tss' user, who cannot write the volume.
            if (Environment.IsPrivilegedProcess) setup.AddRange(["--runas", "0"]);
            if (Tpm2(s)) setup.Add("--tpm2");
            var r = await ProcessRunner.RunAsync("swtpm_setup", setup, ToolTimeout, ct: ct);
            if (r.ExitCode != 0) throw new InvalidOperationException($"swtpm_setup failed (exit {r.ExitCode}): {r.ErrorText}");
            log.LogDebug("swtpm_setup of {VmId}: {Output}", s.VmId, r.StdOut.Trim());
        }
        List<string> args =
        [
            "socket", "--tpmstate", $"backend-uri=file://{state.Path},mode=0600",
            "--ctrl", $"type=unixio,path={files.SwtpmSocket},mode=0600",
            "--pid", $"file={files.SwtpmPidFile}", "--log", $"file={files.SwtpmLog},level=1",
            "--terminate", "--daemon"
        ];
        if (Tpm2(s)) args.Add("--tpm2");
        var run = await ProcessRunner.RunAsync("swtpm", args, ToolTimeout, ct: ct);
        if (run.ExitCode != 0) throw new InvalidOperationException($"swtpm failed to start (exit {run.ExitCode}): {run.ErrorText}");
        // The daemon writes its pidfile and opens its socket after the parent has returned.
        var deadline = DateTime.UtcNow + SocketWait;
        while (!(File.Exists(files.SwtpmSocket) && ProcessTools.ReadPidFile(files.SwtpmPidFile) is not null))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"swtpm of VM {s.VmId} did not open {files.SwtpmSocket} within {SocketWait}");
            await Task.Delay(20, ct);
        }
        log.LogInformation("swtpm of {VmId} started: pid {Pid}, {Tpm}, state {State}{Incoming}", s.VmId,
            ProcessTools.ReadPidFile(files.SwtpmPidFile), Tpm2(s) ? "TPM 2.0" : "TPM 1.2", state.Path, s.Incoming is null ? "" : " (incoming)");
    }

    /// <summary>Stops the VM's swtpm if one still runs (normally it ends with QEMU) and removes its files.</summary>
    public static async Task StopAsync(VmRunFiles files, ILogger log)
    {
        if (ProcessTools.ReadPidFile(files.SwtpmPidFile) is { } pid && ProcessTools.IsAlive(pid, files.SwtpmPidFile))
        {
            await ProcessTools.TerminateAsync(pid, files.SwtpmPidFile, TimeSpan.FromSeconds(3));
            log.LogInformation("Stopped swtpm of {VmId} (pid {Pid})", files.VmId, pid);
        }
        foreach (var f in new[] { files.SwtpmPidFile, files.SwtpmSocket })
        {
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
