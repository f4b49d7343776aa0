using System.Net.Sockets;
using System.Text;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>The serial console of the VMs of one node: its log file and its socket.</summary>
public sealed class SerialConsole(string runDir, string node)
{
    public string LogPath(int vmid) => new VmRunFiles(runDir, vmid).SerialLog;

    /// <summary>The serial output so far ("" if none).</summary>
    public string ReadLog(int vmid)
    {
        try
        {
            using var fs = new FileStream(LogPath(vmid), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(fs, Encoding.UTF8);
            return r.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
        catch (DirectoryNotFoundException)
        {
            return "";
        }
    }

    /// <summary>Types one line into the guest's serial console.</summary>
    public async Task SendLineAsync(int vmid, string line, CancellationToken ct = default)
    {
        var files = new VmRunFiles(runDir, vmid);
        if (!files.IsRunning(out _)) throw new VmNotRunningException(vmid, node);
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(files.SerialSocket), ct);
        var bytes = Encoding.UTF8.GetBytes(line.TrimEnd('\n') + "\n");
        await s.SendAsync(bytes, SocketFlags.None, ct);
        // The UART takes 16 bytes at a time; give QEMU time to consume before hanging up.
        await Task.Delay(300 + bytes.Length * 5, ct);
    }
}
