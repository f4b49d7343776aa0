using System.Globalization;
using ActorMigration.Cli.Api;
using ActorMigration.Cli.Tasks;
using ApiJson = ActorMigration.Cli.Api.Json;

namespace ActorMigration.Cli;

/// <summary>One invocation: its arguments, output, API client and task runner.</summary>
public sealed class CommandContext(
    CommandSpec spec, ParsedArgs args, IReadOnlyList<string> words, Output output,
    ApiSettings settings, Func<PveClient> connect, TaskRunnerSettings taskSettings, CancellationToken cancel) : IDisposable
{
    private PveClient? _api;

    public CommandSpec Spec { get; } = spec;
    public ParsedArgs Args { get; } = args;

    /// <summary>Positional arguments after the command name.</summary>
    public IReadOnlyList<string> Words { get; } = words;
    public Output Out { get; } = output;
    public ApiSettings Settings { get; } = settings;
    public CancellationToken Cancel { get; } = cancel;

    public PveClient Api => _api ??= connect();

    public TaskRunner Tasks => new(Api, Out, taskSettings, Cancel);

    public bool JsonOutput => Args.Has("json");

    public long VmId(int index) => ParseVmId(Words[index]);

    public static long ParseVmId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new UsageException($"not a VM id: '{text}'");

    /// <summary>
    /// The VM's node: --node if given, else looked up in /cluster/resources. That listing may lag a moment
    /// behind a VM just created, so a missing VM is looked up again for a few seconds.
    /// </summary>
    public async Task<string> NodeOfAsync(long vmid)
    {
        if (Args.Opt("node") is { } node) return node;
        var until = DateTime.UtcNow + LookupGrace;
        while (true)
        {
            var res = await Api.GetAsync(Paths.Resources, new Form().Add("type", "vm"), Cancel);
            var found = res.Data.Items().FirstOrDefault(e => e.Long("vmid") == vmid).Str("node");
            if (found.Length > 0) return found;
            if (DateTime.UtcNow >= until) throw new CliException($"VM {vmid} not found in the cluster");
            await Task.Delay(200, Cancel);
        }
    }

    public static TimeSpan LookupGrace { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Follows a task unless --no-wait, then maps its exit status to 0/1.</summary>
    public async Task<int> FinishTaskAsync(ApiResult started)
    {
        var upid = Upid.TryParse(ApiJson.AsText(started.Data), out var u)
            ? u
            : throw new CliException($"server returned no UPID: {ApiJson.AsText(started.Data)}");
        if (Args.Has("no-wait")) { Out.Line(upid.Raw); return 0; }
        return await Tasks.WaitAsync(upid);
    }

    public void Dispose() => _api?.Dispose();
}
