using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Files of one VM in a node's run directory: &lt;RunDir&gt;/qemu/&lt;vmid&gt;/.</summary>
public sealed class VmRunFiles
{
    /// <summary>Linux limit for unix socket paths (sun_path) minus the terminator.</summary>
    public const int MaxSocketPath = 107;

    public VmRunFiles(string runDir, int vmid)
    {
        VmId = vmid;
        Dir = Path.Combine(Path.GetFullPath(runDir), "qemu", vmid.ToString());
    }

    public int VmId { get; }
    public string Dir { get; }
    public string PidFile => Path.Combine(Dir, "qemu.pid");
    public string QmpSocket => Path.Combine(Dir, "qmp.sock");
    public string SerialSocket => Path.Combine(Dir, "serial.sock");
    public string SerialLog => Path.Combine(Dir, "serial.log");
    public string MetaFile => Path.Combine(Dir, "meta.json");
    public string SwtpmSocket => Path.Combine(Dir, "swtpm.sock");
    public string SwtpmPidFile => Path.Combine(Dir, "swtpm.pid");
    public string SwtpmLog => Path.Combine(Dir, "swtpm.log");
    /// <summary>The guest agent channel (qemu-server's &lt;vmid&gt;.qga), when the config enables the agent.</summary>
    public string AgentSocket => Path.Combine(Dir, "qga.sock");

    /// <summary>A string that is in the QEMU command line of this VM only (guards pid reuse).</summary>
    public string Marker => PidFile;

    /// <summary>Whether the QEMU of these files is alive (pidfile and command-line marker).</summary>
    public bool IsRunning(out int pid)
    {
        pid = ProcessTools.ReadPidFile(PidFile) ?? 0;
        return pid > 0 && ProcessTools.IsAlive(pid, Marker);
    }

    public void EnsureSocketPathsFit()
    {
        foreach (var p in new[] { QmpSocket, SerialSocket, SwtpmSocket, AgentSocket })
            if (p.Length > MaxSocketPath)
                throw new InvalidOperationException($"run dir too long for a unix socket path ({p.Length} > {MaxSocketPath}): {p}");
    }

    /// <summary>Removes pidfile, sockets and metadata; keeps the last serial log as serial.log.old.</summary>
    public void Clean()
    {
        foreach (var f in new[] { PidFile, QmpSocket, SerialSocket, MetaFile, MetaFile + ".tmp", AgentSocket })
            TryDelete(f);
        if (File.Exists(SerialLog))
        {
            try { File.Move(SerialLog, SerialLog + ".old", overwrite: true); } catch (IOException) { }
        }
    }

    private static void TryDelete(string f)
    {
        try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
