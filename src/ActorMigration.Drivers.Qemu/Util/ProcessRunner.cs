using System.Diagnostics;
using System.Text;

namespace ActorMigration.Drivers.Qemu.Util;

/// <summary>Runs a short-lived external program and captures its output.</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string ErrorText => (StdErr.Trim().Length > 0 ? StdErr : StdOut).Trim();
    }

    /// <summary>
    /// Runs <paramref name="file"/>; <paramref name="onOutput"/> gets stdout pieces split at '\r' or '\n'
    /// (qemu-img -p progress). Cancellation and timeout kill the process.
    /// </summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null,
        Action<string>? onOutput = null, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        try
        {
            p.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {file}: {e.Message}", e);
        }
        p.StandardInput.Close();

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var outTask = Pump(p.StandardOutput, stdout, onOutput);
        var errTask = Pump(p.StandardError, stderr, null);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t) cts.CancelAfter(t);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Path.GetFileName(file)} did not finish within {timeout}");
        }
        // A daemonizing child may hold the pipes a little longer; don't wait for it forever.
        await Task.WhenAny(Task.WhenAll(outTask, errTask), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        lock (stdout)
            lock (stderr)
                return new Result(p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static async Task Pump(StreamReader reader, StringBuilder sink, Action<string>? onPiece)
    {
        var buf = new char[4096];
        var piece = new StringBuilder();
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buf)) > 0)
            {
                lock (sink) sink.Append(buf, 0, n);
                if (onPiece is null) continue;
                for (var i = 0; i < n; i++)
                {
                    if (buf[i] is '\r' or '\n')
                    {
                        if (piece.Length > 0) onPiece(piece.ToString());
                        piece.Clear();
                    }
                    else piece.Append(buf[i]);
                }
            }
            if (onPiece is not null && piece.Length > 0) onPiece(piece.ToString());
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException)
        {
        }
    }
}
