using ActorMigration.Cli.Api;
using Spectre.Console;

namespace ActorMigration.Cli.Tasks;

public sealed record TaskRunnerSettings(TimeSpan PollInterval, bool Live);

/// <summary>Waits for a task, showing its log plainly or as live progress bars, and reports the result.</summary>
public sealed class TaskRunner(PveClient api, Output output, TaskRunnerSettings settings, CancellationToken cancel)
{
    public async Task<int> WaitAsync(Upid upid)
    {
        var follower = new TaskFollower(api, settings.PollInterval);
        string? downtime = null;
        void Observe(string line) => downtime = LogLineParser.Downtime(line) ?? downtime;

        if (!settings.Live) output.Note($"task {upid.Raw}");
        TaskOutcome outcome;
        try
        {
            outcome = settings.Live
                ? await LiveTaskView.RunAsync(output.Console, upid, (onLine, ct) =>
                    follower.FollowAsync(upid, l => { Observe(l); onLine(l); }, ct), cancel)
                : await follower.FollowAsync(upid, l => { Observe(l); output.Line(l); }, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            output.Warn($"stopped following; the task keeps running (amctl task stop {upid.Raw})");
            throw;
        }

        if (downtime is not null)
            output.Console.MarkupLine($"[bold]downtime:[/] {Markup.Escape(downtime)}");
        if (outcome.Ok) return 0;
        output.Error($"task {upid.Type} {upid.Id} failed: {outcome.ExitStatus}");
        return 1;
    }
}
