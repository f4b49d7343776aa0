using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Domain.Tests.Workflows.Tasks;

/// <summary>Drives any <see cref="WorkflowMachine{TState}"/> purely through its inputs, as the workflow actor does.</summary>
internal sealed class MachineHarness<TState>(WorkflowMachine<TState> machine, string upid, Func<WorkflowStep, StepResult> results)
    where TState : class, IWorkflowState<TState>
{
    public static readonly DateTimeOffset T0 = new(2024, 9, 23, 21, 34, 43, TimeSpan.Zero);

    public WorkflowMachine<TState> Machine { get; } = machine;
    public TState S { get; private set; } = machine.Initial(upid);
    public DateTimeOffset Now { get; private set; } = T0;
    public List<IWorkflowEvent> Events { get; } = new();
    public List<string> Ran { get; } = new();
    public List<WorkflowStep> Steps { get; } = new();
    public Func<WorkflowStep, StepResult> Results { get; set; } = results;

    public WorkflowStep? Next => Machine.Next(S);
    public WorkflowCore Core => S.Core;

    /// <summary>The log lines without their time stamps.</summary>
    public IReadOnlyList<string> Text => Core.Log.Select(l => l.Length > 20 && l[4] == '-' && l[19] == ' ' ? l[20..] : l).ToList();

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
        Now += TimeSpan.FromSeconds(1);
        return Feed(new StepSucceeded(step, result ?? Results(step), Now));
    }

    public IReadOnlyList<IWorkflowEvent> Fail(string error, bool final = true, string? expectKey = null)
    {
        var step = Current(expectKey);
        Now += TimeSpan.FromSeconds(1);
        return Feed(new StepFailedInput(step, error, final, Now));
    }

    public IReadOnlyList<IWorkflowEvent> Progress(StepResult progress, TimeSpan after)
    {
        Now += after;
        return Feed(new StepProgressed(Current(null), progress, Now));
    }

    /// <summary>Succeeds every step due until the workflow finishes.</summary>
    public MachineHarness<TState> Run(int max = 100)
    {
        for (var i = 0; i < max && Next is not null; i++) Succeed();
        Assert.Null(Next);
        return this;
    }

    public T Step<T>(string key) where T : WorkflowStep => Assert.IsType<T>(Steps.Single(s => s.Key == key));

    public IEnumerable<T> Of<T>() => Events.OfType<T>();

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

    /// <summary>The VM record of <paramref name="vmid"/> as a lock step by this task left it.</summary>
    public static VmSnapshot Vm(int vmid, string config, string node = "node1", string? lockName = null, string? lockOwner = null)
    {
        var s = VmState.Empty(vmid);
        foreach (var e in VmDecider.Decide(s, new CreateVm(vmid, node, config)).Events) s = VmDecider.Apply(s, e);
        if (lockName is not null)
            foreach (var e in VmDecider.Decide(s, new AcquireVmLock(vmid, lockName, lockOwner ?? "x")).Events) s = VmDecider.Apply(s, e);
        return s.ToSnapshot();
    }
}
