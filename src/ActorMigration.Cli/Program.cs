using ActorMigration.Cli.Api;
using ActorMigration.Cli.Tasks;
using Spectre.Console;

namespace ActorMigration.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = !cts.IsCancellationRequested; // a second Ctrl+C kills the process
            cts.Cancel();
        };
        return await Run(args, new CliOptions
        {
            Console = CreateConsole(Console.Out, Console.IsOutputRedirected),
            Error = CreateConsole(Console.Error, Console.IsErrorRedirected),
            ReadLine = Console.IsInputRedirected ? null : Console.ReadLine,
            Cancel = cts.Token,
        });
    }

    /// <summary>Runs one command line against the API; returns the exit code.</summary>
    public static Task<int> Run(string[] args, IAnsiConsole console, HttpMessageHandler? handler = null) =>
        Run(args, new CliOptions { Console = console, Handler = handler });

    public static async Task<int> Run(string[] args, CliOptions options)
    {
        var output = new Output(options.Console, options.Error ?? options.Console);
        ApiSettings? settings = null;
        TlsPolicy? tls = null;
        CommandSpec? spec = null;
        try
        {
            var parsed = ParsedArgs.Parse(args);
            (spec, var words) = CommandTable.Find(parsed.Words);
            if (spec is null)
            {
                if (parsed.Words.Count == 0 || parsed.Words is ["help"])
                {
                    CommandTable.PrintHelp(options.Console);
                    return parsed.Words.Count == 0 && !parsed.Has("help") ? 2 : 0;
                }
                throw new UsageException($"unknown command '{string.Join(' ', parsed.Words)}'");
            }
            if (parsed.Has("help"))
            {
                CommandTable.PrintCommandHelp(options.Console, spec);
                return 0;
            }
            spec.Validate(parsed, words.Count);

            settings = ApiSettings.Resolve(parsed.Opt("api"), parsed.Opt("token"), options.Env, parsed.Opt("fingerprint"));
            var s = settings;
            using var context = new CommandContext(spec, parsed, words, output, s,
                () => Connect(s, options, output, out tls), TaskSettings(options), options.Cancel);
            return await spec.Run(context);
        }
        catch (UsageException e)
        {
            output.Error(e.Message);
            output.ErrorDetail(spec is null ? "see 'amctl --help'" : "usage: " + spec.Line);
            return 2;
        }
        catch (CliException e)
        {
            output.Error(e.Message);
            return 1;
        }
        catch (PveApiException e)
        {
            ErrorReport.Print(output, e, settings!);
            return 1;
        }
        catch (HttpRequestException e)
        {
            ErrorReport.Print(output, e, settings!, tls?.Refusal);
            return 1;
        }
        catch (OperationCanceledException) when (options.Cancel.IsCancellationRequested)
        {
            output.Error("interrupted");
            return 130;
        }
        catch (TaskCanceledException)
        {
            output.Error($"request to {settings?.ApiRoot} timed out");
            return 1;
        }
    }

    private static PveClient Connect(ApiSettings settings, CliOptions options, Output output, out TlsPolicy? tls)
    {
        tls = null;
        if (settings.Token is null)
            throw new CliException($"no API token: set AM_TOKEN, pass --token, or create {settings.TokenSource}");
        if (options.Handler is { } handler) return new PveClient(settings.ApiRoot, settings.Token, handler, false);
        var ask = options.ReadLine is { } read ? (Func<string, string, bool>)((server, fp) => TrustPrompt.Ask(output, read, server, fp)) : null;
        tls = TlsPolicy.FromFile(settings.CertificateFile, new KnownServers(settings.KnownServersFile), settings.Server, settings.Fingerprint, ask);
        return new PveClient(settings.ApiRoot, settings.Token, tls.CreateHandler(), true);
    }

    private static TaskRunnerSettings TaskSettings(CliOptions options)
    {
        var ms = int.TryParse(options.Env("AM_POLL_MS"), out var v) ? Math.Max(v, 10) : 300;
        var caps = options.Console.Profile.Capabilities;
        return new TaskRunnerSettings(TimeSpan.FromMilliseconds(ms), Live: caps.Interactive && caps.Ansi);
    }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected) console.Profile.Width = 240; // don't wrap tables written to files/pipes
        return console;
    }
}
