using System.Collections.Immutable;

namespace ActorMigration.Domain.Workflows.Bulk;

/// <summary>One round of a bulk action: its children (in start order) and the VMs it left.</summary>
public sealed record BulkRound(int Round, IReadOnlyList<BulkChild> Children, IReadOnlyList<BulkSkip> Skipped);

/// <summary>
/// The children of a bulk action as both bulk machines track them: rounds, children whose start was answered, and the
/// ended ones with their exit status (a refused start is ended with its refusal). The one home of their start window.
/// </summary>
public sealed record BulkRun(ImmutableList<BulkRound> Rounds, ImmutableHashSet<string> Started, ImmutableDictionary<string, string> Ended)
{
    public static readonly BulkRun Empty =
        new([], ImmutableHashSet.Create<string>(StringComparer.Ordinal), ImmutableDictionary.Create<string, string>(StringComparer.Ordinal));

    [System.Text.Json.Serialization.JsonIgnore]
    public BulkRound? Current => Rounds.IsEmpty ? null : Rounds[^1];

    public BulkRun Apply(IBulkEvent e) => e switch
    {
        BulkRoundPlanned p => this with { Rounds = Rounds.Add(new BulkRound(p.Round, p.Children, p.Skipped)) },
        BulkChildrenStarted s => this with { Started = Started.Union(s.Upids) },
        BulkChildEnded c => this with { Ended = Ended.SetItem(c.Upid, c.ExitStatus) },
        _ => this
    };

    public IEnumerable<BulkChild> Running(BulkRound r) => r.Children.Where(c => Started.Contains(c.Upid) && !Ended.ContainsKey(c.Upid));

    /// <summary>Every child of every round still running (an abort's rollback looks at them).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> AllRunning => Rounds.SelectMany(Running).Select(c => c.Upid).ToList();

    /// <summary>Children whose start was accepted (they ran, whatever their end).</summary>
    public IEnumerable<BulkChild> Accepted(BulkRound r) =>
        r.Children.Where(c => Started.Contains(c.Upid) && !(Ended.TryGetValue(c.Upid, out var x) && x.StartsWith(Refused, StringComparison.Ordinal)));

    /// <summary>Prefix of the exit status recorded for a child whose start was refused.</summary>
    public const string Refused = "refused: ";

    /// <summary>
    /// The next step of a round: start the next children (in order) while fewer than <paramref name="window"/> run, else
    /// wait for one to end; null once every child has ended. Keys grow with the counts, so a done key never comes back.
    /// </summary>
    public WorkflowStep? Next(BulkRound r, int window, Func<BulkChild, ChildStart> start)
    {
        var sent = r.Children.Count(c => Started.Contains(c.Upid));
        var running = Running(r).Select(c => c.Upid).ToList();
        if (sent < r.Children.Count && running.Count < window)
            return new StartChildTasks($"start:{r.Round}:{sent}", r.Children.Skip(sent).Take(window - running.Count).Select(start).ToList());
        if (running.Count == 0) return null;
        return new AwaitTasks($"wait:{r.Round}:{r.Children.Count(c => Ended.ContainsKey(c.Upid))}", running);
    }

    /// <summary>Records a start step's answers: all are started, the refused ones ended with their refusal.</summary>
    public IEnumerable<IWorkflowEvent> OnStarted(IReadOnlyList<BulkChild> children, TasksStarted r)
    {
        yield return new BulkChildrenStarted(r.Children.Select(c => c.Upid).ToList());
        foreach (var c in r.Children.Where(c => c.Error is not null))
            yield return new BulkChildEnded(c.Upid, children.First(x => x.Upid == c.Upid).VmId, Refused + c.Error);
    }

    /// <summary>The ended children a poll reported that were not recorded yet.</summary>
    public IReadOnlyList<BulkChildEnded> OnPolled(BulkRound r, TasksPolled p) =>
        p.Ended.Where(e => !Ended.ContainsKey(e.Upid))
            .Select(e => (e, child: r.Children.FirstOrDefault(c => c.Upid == e.Upid)))
            .Where(x => x.child is not null)
            .Select(x => new BulkChildEnded(x.e.Upid, x.child!.VmId, x.e.ExitStatus))
            .ToList();
}
