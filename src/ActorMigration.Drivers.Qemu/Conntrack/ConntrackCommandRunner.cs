using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>Outcome of one command.</summary>
public sealed record ConntrackCommandResult(int ExitCode, string StdOut, string StdErr);

/// <summary>A conntrack command that failed or could not run.</summary>
public sealed class ConntrackException : Exception
{
    public ConntrackException(string message, IReadOnlyList<string>? command = null, int? exitCode = null, string? stdErr = null, Exception? inner = null)
        : base(message, inner)
    {
        Command = command ?? [];
        ExitCode = exitCode;
        StdErr = stdErr;
    }

    public IReadOnlyList<string> Command { get; }
    public int? ExitCode { get; }
    public string? StdErr { get; }
}

/// <summary>Runs a program; argv[0] is the program. Replaceable in tests.</summary>
public interface IConntrackCommandRunner
{
    Task<ConntrackCommandResult> RunAsync(IReadOnlyList<string> argv, string? stdin, TimeSpan timeout, CancellationToken ct);
}

/// <summary>Runs programs with <see cref="ProcessStartInfo.ArgumentList"/>: no shell, no quoting.</summary>
public sealed class ProcessCommandRunner : IConntrackCommandRunner
{
    public static readonly ProcessCommandRunner Instance = new();

    public async Task<ConntrackCommandResult> RunAsync(IReadOnlyList<string> argv, string? stdin, TimeSpan timeout, CancellationToken ct)
    {
        if (argv.Count == 0) throw new ArgumentException("empty command", nameof(argv));
        var psi = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        for (var i = 1; i < argv.Count; i++) psi.ArgumentList.Add(argv[i]);
        // messages are parsed (e.g. "3 flow entries have been deleted")
        psi.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new ConntrackException($"cannot start '{argv[0]}': {e.Message}", argv, inner: e);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
            var stderr = process.StandardError.ReadToEndAsync(cts.Token);
            try
            {
                if (stdin is not null) await process.StandardInput.WriteAsync(stdin.AsMemory(), cts.Token);
            }
            catch (IOException)
            {
                // the program exited without reading all input; its exit code tells why
            }
            finally
            {
                try { process.StandardInput.Close(); } catch (IOException) { }
            }
            await process.WaitForExitAsync(cts.Token);
            return new ConntrackCommandResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Kill(process);
            throw new ConntrackException($"'{string.Join(' ', argv)}' timed out after {timeout.TotalSeconds:0.#}s", argv);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
    }

    private static void Kill(Process p)
    {
        try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (Win32Exception) { }
    }
}
