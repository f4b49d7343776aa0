using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Domain.Tests.Workflows;

/// <summary>Drives any <see cref="WorkflowMachine{TState}"/> purely through its inputs, as the workflow actor does.</summary>
internal class MachineHarness<TState> where TState : class, IWorkflowState<TState>
{
    public static readonly DateTimeOffset T0 = new(2024, 9, 23, 21, 34, 43, TimeSpan.Zero);

    public MachineHarness(WorkflowMachine<TState> machine, string upid, Func<WorkflowStep, StepResult>? results = null)
    {
        Machine = machine;
        S = machine.Initial(upid);
        Results = results;
    }

    public WorkflowMachine<TState> Machine { get; }
    public TState S { get; protected set; }
    public DateTimeOffset Now { get; set; } = T0;
    public TimeSpan StepTime { get; set; } = TimeSpan.FromSeconds(1);
    public List<IWorkflowEvent> Events { get; } = new();
    public List<string> Ran { get; } = new();
    public List<WorkflowStep> Steps { get; } = new();

    /// <summary>What a step answers unless a test gives a result (default: <see cref="Done"/>).</summary>
    public Func<WorkflowStep, StepResult>? Results { get; set; }

    public virtual StepResult ResultFor(WorkflowStep step) => Results?.Invoke(step) ?? Done.Instance;

    public WorkflowStep? Next => Machine.Next(S);
    public WorkflowCore Core => S.Core;
    public IReadOnlyList<string> Log => S.Core.Log;

    /// <summary>Log text without the local-time prefix.</summary>
    public IReadOnlyList<string> Text => Log.Select(l => l.Length > 20 && l[4] == '-' && l[13] == ':' ? l[20..] : l).ToList();

    public IReadOnlyList<IWorkflowEvent> Feed(WorkflowInput input)
    {
        var events = Machine.Decide(S, input);
        S = Machine.ApplyAll(S, events);
        Events.AddRange(events);
        return events;
    }

    public MachineHarness<TState> Start(object request)
    {
        Feed(new StartWorkflow(request, Now));
        return this;
    }

    private WorkflowStep Current(string? expectKey)
    {
        var step = Next ?? throw new InvalidOperationException("no step is due");
        if (expectKey is not null) Assert.Equal(expectKey, step.Key);
        return step;
    }

    public IReadOnlyList<IWorkflowEvent> Succeed(string? expectKey = null, StepResult? result = null)
    {
        var step = Current(expectKey);
        Ran.Add(step.Key);
        Steps.Add(step);
        Now += StepTime;
        return Feed(new StepSucceeded(step, result ?? ResultFor(step), Now));
    }

    public IReadOnlyList<IWorkflowEvent> Fail(string error, bool final = true, string? expectKey = null)
    {
        var step = Current(expectKey);
        Now += StepTime;
        return Feed(new StepFailedInput(step, error, final, Now));
    }

    /// <summary>The step's node was declared down while the step ran.</summary>
    public IReadOnlyList<IWorkflowEvent> Offline(string error, string? expectKey = null)
    {
        var step = Current(expectKey);
        Now += StepTime;
        return Feed(new StepFailedInput(step, error, true, Now, NodeOffline: true));
    }

    public IReadOnlyList<IWorkflowEvent> Progress(StepResult progress, string? expectKey = null) =>
        Feed(new StepProgressed(Current(expectKey), progress, Now));

    public IReadOnlyList<IWorkflowEvent> Progress(StepResult progress, TimeSpan after)
    {
        Now += after;
        return Progress(progress);
    }

    public IReadOnlyList<IWorkflowEvent> Abort()
    {
        Now += StepTime;
        return Feed(new AbortRequested(Now));
    }

    /// <summary>Succeeds every step due until the workflow finishes.</summary>
    public MachineHarness<TState> RunToEnd(int max = 200)
    {
        for (var i = 0; i < max && Next is not null; i++) Succeed();
        Assert.Null(Next);
        return this;
    }

    public T Step<T>(string key) where T : WorkflowStep => Assert.IsType<T>(Steps.Single(s => s.Key == key));

    public T[] Of<T>() => Events.OfType<T>().ToArray();

    /// <summary>
    /// Recovery: the state rebuilt from the journal (every event so far, from the initial state) is the same, and so
    /// is the step it asks for next.
    /// </summary>
    public void AssertRecovers()
    {
        var replayed = Machine.ApplyAll(Machine.Initial(Core.Upid), Events);
        Assert.Equal(Json(Next), Json(Machine.Next(replayed)));
        Assert.Equal(Core.Done.Order(), replayed.Core.Done.Order());
        Assert.Equal(Core.Log, replayed.Core.Log);
        Assert.Equal((Core.Error, Core.RollingBack, Core.Finished, Core.ExitStatus),
            (replayed.Core.Error, replayed.Core.RollingBack, replayed.Core.Finished, replayed.Core.ExitStatus));
    }

    /// <summary>Steps hold lists, which records compare by reference: compare what they say.</summary>
    private static string Json(WorkflowStep? step) => step is null ? "null" : System.Text.Json.JsonSerializer.Serialize(step, step.GetType());

    /// <summary>The VM record of <paramref name="vmid"/>, locked <paramref name="lockName"/> by <paramref name="lockOwner"/> if given.</summary>
    public static VmRecordView Vm(int vmid, string config, string node = "node1", string? lockName = null, string? lockOwner = null)
    {
        var s = VmState.Empty(vmid);
        foreach (var e in VmDecider.Decide(s, new CreateVm(vmid, node, config)).Events) s = VmDecider.Apply(s, e);
        if (lockName is not null)
            foreach (var e in VmDecider.Decide(s, new AcquireVmLock(vmid, lockName, lockOwner ?? "x")).Events) s = VmDecider.Apply(s, e);
        return s.ToView();
    }
}
