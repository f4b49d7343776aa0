using ActorMigration.Cli.Api;
using Spectre.Console;

namespace ActorMigration.Cli.Tasks;

/// <summary>
/// Terminal view of a running task: one spinner row for the task, one bar per transfer label
/// ("VM-state", "drive-scsi0", ...) fed by "transferred X of Y" lines; other lines print above the bars.
/// </summary>
public sealed class LiveTaskView
{
    private readonly ProgressContext _ctx;
    private readonly IAnsiConsole _console;
    private readonly ProgressTask _main;
    private readonly Dictionary<string, ProgressTask> _bars = new(StringComparer.Ordinal);

    private LiveTaskView(ProgressContext ctx, IAnsiConsole console, Upid upid)
    {
        _ctx = ctx;
        _console = console;
        _main = ctx.AddTask(Markup.Escape($"{upid.Type} {upid.Id} on {upid.Node}"), maxValue: 1).IsIndeterminate();
    }

    public static Task<TaskOutcome> RunAsync(
        IAnsiConsole console, Upid upid,
        Func<Action<string>, CancellationToken, Task<TaskOutcome>> follow, CancellationToken ct) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                     new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var view = new LiveTaskView(ctx, console, upid);
                var outcome = await follow(view.OnLine, ct);
                view.Complete(outcome);
                return outcome;
            });

    public void OnLine(string line)
    {
        if (LogLineParser.TryParseTransfer(line, out var p)) Update(p);
        else _console.Write(new Text(line + "\n"));
    }

    private void Update(TransferProgress p)
    {
        if (!_bars.TryGetValue(p.Label, out var bar))
            _bars[p.Label] = bar = _ctx.AddTask(p.Label, maxValue: Math.Max(p.Total, 1));
        bar.MaxValue = Math.Max(p.Total, 1);
        bar.Value = p.Fraction * bar.MaxValue;
        var speed = p.Speed is null ? "" : $", {p.Speed}";
        bar.Description = Markup.Escape($"{p.Label} {p.Text}{speed}");
    }

    private void Complete(TaskOutcome outcome)
    {
        var mark = outcome.Ok ? "[green]OK[/]" : "[red]failed[/]";
        _main.IsIndeterminate(false);
        _main.Description = $"{_main.Description} {mark}";
        if (outcome.Ok) _main.Value = _main.MaxValue;
        _main.StopTask();
        foreach (var bar in _bars.Values)
        {
            if (outcome.Ok) bar.Value = bar.MaxValue; // precopy may finish below 100% (zero pages)
            bar.StopTask();
        }
        _ctx.Refresh();
    }
}
