using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ActorMigration.Drivers.Storage;

/// <summary>What a directory entry is, as lstat tells it (never following a symlink).</summary>
public enum FileKind { Missing, Regular, Directory, Symlink, Fifo, CharDevice, BlockDevice, Socket }

/// <summary>Kind, identity and size of a file.</summary>
public readonly record struct FileStat(FileKind Kind, ulong Device, ulong Inode, long Size)
{
    public static readonly FileStat Missing = new(FileKind.Missing, 0, 0, 0);
}

/// <summary>
/// The few POSIX calls .NET has no API for: statx without following symlinks (file type, device, inode),
/// open with O_NOFOLLOW|O_NONBLOCK, realpath. Linux only (statx layout of linux/stat.h).
/// </summary>
internal static class PosixFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1, StatxIno = 0x100, StatxSize = 0x200;
    private const int ENOENT = 2, ENOTDIR = 20, ELOOP = 40;
    private const int ONonBlock = 0x800, ONoCtty = 0x100, OCloExec = 0x80000;

    // O_NOFOLLOW differs between architectures.
    private static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatxCall(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buf);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenCall([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr RealPathCall([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr p);

    /// <summary>lstat: <see cref="FileStat.Missing"/> when the path or one of its directories does not exist.</summary>
    public static FileStat LStat(string path) => Stat(AtFdCwd, path, AtSymlinkNoFollow);

    /// <summary>fstat of an open file.</summary>
    public static FileStat FStat(SafeFileHandle fd) =>
        Stat((int)fd.DangerousGetHandle(), "", AtEmptyPath | AtSymlinkNoFollow);

    private static FileStat Stat(int dirfd, string path, int flags)
    {
        var buf = new byte[256];
        if (StatxCall(dirfd, path, flags, StatxType | StatxIno | StatxSize, buf) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return FileStat.Missing;
            throw new IOException($"stat failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var mode = BitConverter.ToUInt16(buf, 28);
        var ino = BitConverter.ToUInt64(buf, 32);
        var size = BitConverter.ToInt64(buf, 40);
        var dev = ((ulong)BitConverter.ToUInt32(buf, 136) << 32) | BitConverter.ToUInt32(buf, 140);
        return new FileStat(KindOf(mode), dev, ino, size);
    }

    private static FileKind KindOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.Symlink,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.Missing,
    };

    /// <summary>
    /// Opens for reading without following a final symlink and without blocking on a FIFO or device;
    /// null when the path is a symlink now (ELOOP) or is gone.
    /// </summary>
    public static SafeFileHandle? OpenReadNoFollow(string path)
    {
        var fd = OpenCall(path, ONoFollow | ONonBlock | ONoCtty | OCloExec, 0);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ELOOP or ENOENT or ENOTDIR) return null;
        throw new IOException($"open failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>The path with every symlink resolved; null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var p = RealPathCall(path, IntPtr.Zero);
        if (p == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            Free(p);
        }
    }
}
