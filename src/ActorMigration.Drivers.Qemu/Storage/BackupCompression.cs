using System.Diagnostics;
using System.IO.Compression;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// vzdump's <c>compress</c> of our tar archives, told by the file name as vzdump names them: <c>.tar.zst</c> (Debian's
/// zstd), <c>.tar.gz</c> (.NET's gzip), <c>.tar</c> (none). A compressed archive is read as a stream, front to back.
/// </summary>
internal static class BackupCompression
{
    /// <summary>zstd, gzip, or null for a plain tar.</summary>
    public static string? Of(string fileName) =>
        fileName.EndsWith(".zst", StringComparison.Ordinal) ? "zstd" : fileName.EndsWith(".gz", StringComparison.Ordinal) ? "gzip" : null;

    public static async Task CompressAsync(string src, string dst, string method, CancellationToken ct)
    {
        if (method == "gzip")
        {
            await using var input = File.OpenRead(src);
            await using var output = File.Create(dst);
            await using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                await input.CopyToAsync(gz, ct);
            output.Flush(flushToDisk: true);
            return;
        }
        var r = await ProcessRunner.RunAsync("zstd", ["-q", "-f", "-T0", "-o", dst, "--", src], ct: ct);
        if (r.ExitCode != 0) throw new InvalidOperationException($"zstd failed: {r.ErrorText}");
    }

    /// <summary>The decompressed bytes of <paramref name="file"/> (owned by the result), to read front to back.</summary>
    public static Stream OpenDecompressed(FileStream file, string method) =>
        method == "gzip" ? new GZipStream(file, CompressionMode.Decompress) : new ZstdReadStream(file);

    /// <summary><c>zstd -d</c> fed from the opened file; a damaged input is an error at its end.</summary>
    private sealed class ZstdReadStream : Stream
    {
        private readonly FileStream _file;
        private readonly Process _p;
        private readonly Task _feed;
        private readonly Task<string> _stderr;
        private bool _disposed;

        public ZstdReadStream(FileStream file)
        {
            _file = file;
            var psi = new ProcessStartInfo("zstd", ["-d", "-c", "-q"])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false
            };
            _p = Process.Start(psi) ?? throw new InvalidOperationException("cannot run zstd");
            _stderr = _p.StandardError.ReadToEndAsync();
            _feed = Task.Run(async () =>
            {
                try
                {
                    await _file.CopyToAsync(_p.StandardInput.BaseStream);
                    _p.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The reader stopped early and zstd went away.
                }
            });
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _p.StandardOutput.BaseStream.Read(buffer, offset, count);
            if (n == 0 && count > 0)
            {
                _p.WaitForExit();
                if (_p.ExitCode != 0) throw new InvalidDataException($"zstd: {_stderr.Result.Trim()}");
            }
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                try { if (!_p.HasExited) _p.Kill(); } catch (InvalidOperationException) { }
                _p.WaitForExit();
                try { _feed.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
                _p.Dispose();
                _file.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
