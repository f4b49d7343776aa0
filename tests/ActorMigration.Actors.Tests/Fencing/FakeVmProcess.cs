using System.Diagnostics;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Actors.Tests.Fencing;

/// <summary>
/// A real process registered in a node's run directory the way the QEMU driver registers its processes: its pid in a
/// pidfile whose path is in its command line (unmarked: the pid without the marker, as after a
/// pid was recycled by an unrelated process).
/// </summary>
public sealed class FakeVmProcess : IDisposable
{
    private readonly Process _process;

    public FakeVmProcess(string pidFile, bool marked = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(pidFile)!);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("while :; do sleep 1; done");
        psi.ArgumentList.Add(marked ? pidFile : "unrelated-process");
        _process = Process.Start(psi)!;
        File.WriteAllText(pidFile, _process.Id.ToString());
        PidFile = pidFile;
    }

    public string PidFile { get; }
    public int Pid => _process.Id;

    /// <summary>Alive as /proc shows it (a zombie is dead).</summary>
    public bool Alive => PidFiles.IsAlive(Pid);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}
