using System.Runtime.InteropServices;

namespace ActorMigration.Bench.Fuzz;

/// <summary>The two POSIX calls .NET lacks for FIFOs: create one, and wake a reader blocked on one.</summary>
internal static class Posix
{
    private const int OWronly = 0x1;
    private const int ONonblock = 0x800;

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    public static void MakeFifo(string path)
    {
        if (MkFifo(path, Convert.ToUInt32("644", 8)) != 0)
            throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// Opens the FIFO for writing without blocking and closes it at once: a reader blocked in open() gets through and
    /// reads end-of-file. With no reader the open fails (ENXIO) and nothing happens. True if a reader was there.
    /// </summary>
    public static bool WakeFifoReader(string path)
    {
        var fd = Open(path, OWronly | ONonblock);
        if (fd < 0) return false;
        Close(fd);
        return true;
    }
}
