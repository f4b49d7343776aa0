using System.Diagnostics;

namespace ActorMigration.TestSupport;

/// <summary>
/// An incoming QEMU the test starts itself, from a running QEMU's own command line (the same machine and devices),
/// with its own pidfile, QMP and serial files and <c>-S -incoming tcp:127.0.0.1:port</c>: a migration target no member
/// knows about, for driving plain QEMU migrations over QMP (no manager action). Disposing it kills it.
/// </summary>
public sealed class PlainIncomingQemu : IAsyncDisposable
{
    public string Dir { get; }
    public int Port { get; }
    public int Pid { get; private set; }
    public string Uri => $"tcp:127.0.0.1:{Port}";
    public string SerialLog => Path.Combine(Dir, "serial.log");

    private PlainIncomingQemu(string dir, int port)
    {
        Dir = dir;
        Port = port;
    }

    public static async Task<PlainIncomingQemu> StartLikeAsync(int sourcePid)
    {
        var argv = File.ReadAllText($"/proc/{sourcePid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var q = new PlainIncomingQemu(Repo.TempDir("am-plain"), Repo.FreePort());
        var args = new List<string>();
        for (var i = 1; i < argv.Length; i++)
        {
            var a = argv[i];
            var v = i + 1 < argv.Length ? argv[i + 1] : "";
            switch (a)
            {
                case "-pidfile":
                    args.AddRange([a, Path.Combine(q.Dir, "qemu.pid")]);
                    i++;
                    break;
                case "-qmp" when v.StartsWith("unix:", StringComparison.Ordinal):
                    args.AddRange([a, $"unix:{Path.Combine(q.Dir, "qmp.sock")},server=on,wait=off"]);
                    i++;
                    break;
                case "-chardev" when v.StartsWith("socket,id=serial0,", StringComparison.Ordinal):
                    args.AddRange([a, $"socket,id=serial0,path={Path.Combine(q.Dir, "serial.sock")},server=on,wait=off,logfile={q.SerialLog}"]);
                    i++;
                    break;
                default:
                    args.Add(a);
                    break;
            }
        }
        args.AddRange(["-S", "-incoming", q.Uri]);
        var (exit, o, e) = await QemuHost.Run(argv[0], args.ToArray());
        if (exit != 0) throw new InvalidOperationException($"plain incoming QEMU: exit {exit}: {e}{o}\n{string.Join(' ', args)}");
        q.Pid = int.Parse(File.ReadAllText(Path.Combine(q.Dir, "qemu.pid")).Trim());
        return q;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Pid > 0) Process.GetProcessById(Pid).Kill();
        }
        catch (Exception)
        {
            // already gone
        }
        await Task.Delay(200);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
