using System.Text;

namespace ActorMigration.Drivers.Storage;

/// <summary>
/// The one way both drivers reach files under a storage: paths are resolved hop by hop without ever leaving the
/// storage's real root through a symlink, and only regular files are opened (no FIFO, device or directory).
/// Reads run off the caller's thread and give up after <see cref="ReadTimeout"/>.
/// </summary>
public static class StorageFiles
{
    public const int MaxSymlinkHops = 40;

    /// <summary>Longest text file read (OVF, VMX, an OVA's descriptor).</summary>
    public const int MaxTextBytes = 4 << 20;

    /// <summary>Largest config or manifest entry read from a backup archive.</summary>
    public const int MaxConfigEntryBytes = 1 << 20;

    /// <summary>How long a metadata read (text, archive index) may take before the caller gets an error.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Resolves <paramref name="relativePath"/> under <paramref name="storageRoot"/>. A symlink is followed only when
    /// its target stays inside the root's real path, checked at every hop; a missing tail is kept as written.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The path leads outside the storage.</exception>
    public static StoragePath Resolve(string storageRoot, string relativePath, string volid)
    {
        var root = Path.GetFullPath(storageRoot).TrimEnd('/');
        var realRoot = (PosixFile.RealPath(root) ?? root).TrimEnd('/');
        var pending = new Stack<string>(Parts(relativePath).Reverse());
        var current = realRoot;
        var stat = FileStat.Missing;
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (current == realRoot) throw Escape(volid);
                current = Path.GetDirectoryName(current)!;
                continue;
            }
            var next = current + "/" + part;
            stat = PosixFile.LStat(next);
            if (stat.Kind == FileKind.Symlink)
            {
                if (++hops > MaxSymlinkHops) throw new IOException($"volume '{volid}': too many levels of symbolic links");
                var target = new FileInfo(next).LinkTarget ?? "";
                if (target.StartsWith('/'))
                {
                    // Absolute: it must name the root, as configured or as resolved, lexically.
                    var full = Path.GetFullPath(target);
                    var under = Under(realRoot, full) ?? Under(root, full) ?? throw Escape(volid);
                    current = realRoot;
                    target = under;
                }
                foreach (var p in Parts(target).Reverse()) pending.Push(p);
                continue;
            }
            current = next;
            if (stat.Kind == FileKind.Missing || (stat.Kind != FileKind.Directory && pending.Count > 0))
            {
                // Nothing below a missing entry (or a file) can be a symlink: the rest stays as written.
                var rest = pending.ToArray();
                if (rest.Contains("..")) throw Escape(volid);
                if (rest.Length > 0) current += "/" + string.Join('/', rest.Where(r => r != "."));
                stat = FileStat.Missing;
                break;
            }
        }
        // Shown under the root as configured (which may itself be a symlink, set up by the admin).
        return new StoragePath(volid, root + current[realRoot.Length..], stat);
    }

    /// <summary><paramref name="path"/> relative to <paramref name="root"/> when inside it, else null.</summary>
    private static string? Under(string root, string path) =>
        path == root ? "." : path.StartsWith(root + "/", StringComparison.Ordinal) ? path[(root.Length + 1)..] : null;

    private static IEnumerable<string> Parts(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static UnauthorizedAccessException Escape(string volid) =>
        new($"volume '{volid}' leads outside its storage through a symlink");

    /// <summary>
    /// Opens a regular file for reading, without following a symlink and without blocking on a FIFO; the file
    /// opened must be the one <see cref="Resolve"/> checked (same device and inode).
    /// </summary>
    public static FileStream OpenRead(StoragePath file)
    {
        file.RequireFile();
        var handle = PosixFile.OpenReadNoFollow(file.Path)
                     ?? throw new IOException($"volume '{file.VolId}' changed while it was opened");
        var now = PosixFile.FStat(handle);
        if (now.Kind != FileKind.Regular || now.Device != file.Stat.Device || now.Inode != file.Stat.Inode)
        {
            handle.Dispose();
            throw new IOException($"volume '{file.VolId}' changed while it was opened");
        }
        return new FileStream(handle, FileAccess.Read, 1 << 16);
    }

    /// <summary>Runs <paramref name="read"/> on the opened file, bounded by <see cref="BoundedAsync{T}"/>.</summary>
    public static Task<T> WithFileAsync<T>(StoragePath file, Func<FileStream, T> read, CancellationToken ct = default) =>
        BoundedAsync($"reading '{file.VolId}'", _ =>
        {
            using var fs = OpenRead(file);
            return Task.FromResult(read(fs));
        }, ct);

    /// <summary>
    /// An import's descriptor as text (at most <see cref="MaxTextBytes"/>, UTF-8, a BOM is honoured): the file
    /// itself, or for an <c>.ova</c> its first top-level <c>.ovf</c> member, as the OVF standard places it.
    /// </summary>
    public static Task<string> ReadDescriptorAsync(StoragePath file, CancellationToken ct = default) =>
        WithFileAsync(file, fs =>
        {
            if (!file.VolId.EndsWith(".ova", StringComparison.OrdinalIgnoreCase))
                return ReadText(fs, 0, fs.Length, file.VolId, MaxTextBytes);
            var ovf = TarIndex.Find(fs, file.VolId, n => n.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase) && !n.Contains('/'))
                      ?? throw new InvalidDataException($"'{file.VolId}' has no .ovf descriptor");
            return ReadText(fs, ovf.DataOffset, ovf.Length, $"{file.VolId}/{ovf.Name}", MaxTextBytes);
        }, ct);

    /// <summary>Bytes [offset, offset+length) of <paramref name="fs"/> as UTF-8 text, refused above <paramref name="max"/> bytes.</summary>
    public static string ReadText(Stream fs, long offset, long length, string what, int max)
    {
        if (length > max) throw new InvalidDataException($"'{what}' is too large ({length} bytes, at most {max} are read)");
        var buf = new byte[length];
        fs.Position = offset;
        fs.ReadExactly(buf);
        using var reader = new StreamReader(new MemoryStream(buf), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Runs <paramref name="op"/> on the thread pool; the caller gets a <see cref="TimeoutException"/> after
    /// <paramref name="timeout"/> (default <see cref="ReadTimeout"/>) even when a system call stays blocked.
    /// </summary>
    public static async Task<T> BoundedAsync<T>(string what, Func<CancellationToken, Task<T>> op, CancellationToken ct,
        TimeSpan? timeout = null)
    {
        var limit = timeout ?? ReadTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(limit);
        try
        {
            return await Task.Run(() => op(cts.Token), cts.Token).WaitAsync(limit, ct);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new TimeoutException($"{what} timed out after {limit.TotalSeconds:0.#} s");
        }
    }
}
