using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// A QEMU node's VM processes: each VM's QEMU and swtpm (<see cref="VmRunFiles"/>) and the node's qemu-nbd exports
/// (&lt;RunDir&gt;/nbd/*.pid). A pid counts only while the process has its pidfile's path in its command line, as
/// <see cref="VmRunFiles.IsRunning"/> checks, so a recycled pid is never killed.
/// </summary>
public sealed class QemuNodeFence : INodeFence
{
    public IReadOnlyList<FencedProcess> KillAll(string runDir)
    {
        var killed = new List<FencedProcess>();
        var vms = Path.Combine(Path.GetFullPath(runDir), "qemu");
        if (Directory.Exists(vms))
        {
            foreach (var dir in Directory.EnumerateDirectories(vms))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var vmid)) continue;
                var files = new VmRunFiles(runDir, vmid);
                if (files.IsRunning(out var pid)) Kill(killed, "qemu", pid, vmid);
                if (ProcessTools.LivePid(files.SwtpmPidFile) is { } tpm) Kill(killed, "swtpm", tpm, vmid);
            }
        }
        var nbd = Path.Combine(runDir, "nbd");
        if (Directory.Exists(nbd))
            foreach (var pidFile in Directory.EnumerateFiles(nbd, "*.pid"))
                if (ProcessTools.LivePid(pidFile) is { } pid) Kill(killed, "qemu-nbd", pid, null);
        return killed;
    }

    private static void Kill(List<FencedProcess> killed, string what, int pid, int? vmid)
    {
        ProcessTools.Signal(pid, ProcessTools.SigKill);
        killed.Add(new FencedProcess(what, pid, vmid));
    }
}
