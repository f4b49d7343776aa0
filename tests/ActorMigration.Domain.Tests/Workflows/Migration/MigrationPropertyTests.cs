using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>Duplicate, stale and early inputs (redelivery after a crash, late replies) must not change anything.</summary>
public class MigrationPropertyTests
{
    private static readonly Func<MigrationHarness>[] Runs =
    [
        () => MigrationHarness.Started(Request(), Facts(SharedConfig)),
        () => MigrationHarness.Started(Request(withLocalDisks: true, targetStorage: "fast", conntrack: true), Facts(LocalConfig)),
        () => MigrationHarness.Started(Request(online: false), Facts(LocalConfig, running: false)),
        () => MigrationHarness.Started(Request(withLocalDisks: true), Facts(LocalConfig + "unused0: local:100/vm-100-disk-7.qcow2\n")),
    ];

    private static WorkflowInput Noise(Random r, MigrationHarness h, IReadOnlyList<WorkflowStep> seen, WorkflowStep current)
    {
        // a step that is not the current one: done before, or built to look like a future/rollback step
        var candidates = seen.Where(s => s.Key != current.Key).ToList();
        candidates.Add(new UnlockVm("unlock", 100));
        candidates.Add(new UnlockVm("rb-unlock", 100));
        candidates.Add(new MoveVm(MigrationMachine.OwnerKey, 100, "node1", "node2", "x"));
        candidates.Add(new StopVm("rb-stop-target", "node2", 100));
        candidates.RemoveAll(s => s.Key == current.Key);
        var step = candidates[r.Next(candidates.Count)];
        var at = h.Now + TimeSpan.FromMilliseconds(r.Next(1, 900));
        return r.Next(3) switch
        {
            0 => new StepSucceeded(step, step is GatherMigrationFacts ? h.Facts : Done.Instance, at),
            1 => new StepFailedInput(step, "late failure", r.Next(2) == 0, at),
            _ => new StepProgressed(step, new CopyProgressed(1, 2), at),
        };
    }

    [Fact]
    public void Stale_and_duplicate_step_results_are_ignored_in_any_interleaving()
    {
        for (var seed = 0; seed < 60; seed++)
        {
            var r = new Random(seed);
            var make = Runs[seed % Runs.Length];
            var reference = make().Run();
            var h = make();
            var seen = new List<WorkflowStep>();
            var guard = 0;
            while (h.Next is { } step && guard++ < 100)
            {
                for (var i = r.Next(0, 4); i > 0; i--)
                {
                    var before = h.S;
                    var events = h.Feed(Noise(r, h, seen, step));
                    Assert.True(events.Count == 0, $"seed {seed}: stale input for a step other than '{step.Key}' produced {string.Join(", ", events)}");
                    Assert.Equal(before, h.S);
                }
                seen.Add(step);
                h.Succeed();
                // the same result delivered twice
                if (r.Next(2) == 0 && h.Next?.Key != step.Key)
                    Assert.Empty(h.Feed(new StepSucceeded(step, h.ResultFor(step), h.Now)));
            }
            Assert.Equal(reference.Ran, h.Ran);
            Assert.Equal(reference.Core.ExitStatus, h.Core.ExitStatus);
            Assert.Equal(reference.Text, h.Text);
        }
    }

    [Fact]
    public void Inputs_after_the_end_change_nothing()
    {
        foreach (var make in Runs)
        {
            var h = make().Run();
            var final = h.S;
            foreach (var step in h.Steps)
            {
                Assert.Empty(h.Feed(new StepSucceeded(step, Done.Instance, h.Now)));
                Assert.Empty(h.Feed(new StepFailedInput(step, "x", true, h.Now)));
            }
            Assert.Empty(h.Feed(new AbortRequested(h.Now)));
            Assert.Empty(h.Feed(new StartWorkflow(Request(), h.Now)));
            Assert.Equal(final, h.S);
            Assert.Null(h.Next);
        }
    }

    [Fact]
    public void Replaying_the_events_rebuilds_the_same_state()
    {
        foreach (var make in Runs)
        {
            var h = make();
            h.Run(stopAt: "owner");
            h.Abort();   // before the point of no return: rolls back
            h.Run();
            var machine = new MigrationMachine();
            var replayed = machine.ApplyAll(machine.Initial(Upid), h.Events);
            Assert.Equal(h.S.Core.Log, replayed.Core.Log);
            Assert.Equal(h.S.Core.Done.OrderBy(k => k), replayed.Core.Done.OrderBy(k => k));
            Assert.Equal(h.S.Core.ExitStatus, replayed.Core.ExitStatus);
            Assert.Equal(h.S.Plan, replayed.Plan);
            Assert.Equal(h.S.Phase, replayed.Phase);
        }
    }

    [Fact]
    public void Random_failures_always_end_with_the_vm_unlocked_and_a_consistent_status()
    {
        var outcomes = new Dictionary<string, int>();
        for (var seed = 0; seed < 200; seed++)
        {
            var r = new Random(seed);
            var h = Runs[seed % Runs.Length]();
            var guard = 0;
            while (h.Next is { } step && guard++ < 300)
            {
                var roll = r.Next(100);
                if (roll < 8) h.Fail($"transient {guard}", final: false);
                else if (roll < 11) h.Fail($"fatal {guard}", final: true);
                else if (roll < 13) h.Abort();
                else h.Succeed();
            }
            Assert.True(h.Core.Finished, $"seed {seed}: not finished");
            var outcome = h.Core.Rejected ? "rejected" : h.Core.ExitStatus!;
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (h.Core.Rejected)
            {
                Assert.DoesNotContain(h.Ran, k => k != "lock");
                Assert.Empty(h.Of<TaskFinished>());
                continue;
            }
            var past = h.Ran.Contains(MigrationMachine.OwnerKey);
            // the unlock step ran last (it may have failed for good, which is a warning or a problem, never skipped)
            var unlockKey = past ? "unlock" : "rb-unlock";
            Assert.True(h.Core.Done.Contains(unlockKey), $"seed {seed}: {unlockKey} never completed");
            Assert.Equal(unlockKey, h.Of<StepCompleted>()[^1].Key);
            Assert.Equal(past, h.Core.PastPointOfNoReturn);
            if (past)
            {
                Assert.DoesNotContain(h.Ran, k => k.StartsWith("rb-"));
                Assert.Equal(h.Core.Error is null ? "OK" : "migration problems", h.Core.ExitStatus);
            }
            else
            {
                Assert.Equal("migration aborted", h.Core.ExitStatus);
                Assert.DoesNotContain(h.Steps, s => s is MoveVm);
            }
            Assert.Equal($"TASK {(h.Core.ExitStatus == "OK" ? "OK" : "ERROR: " + h.Core.ExitStatus)}", h.Log[^1]);
        }
        // the generator reaches every kind of ending
        Assert.All(new[] { "OK", "migration aborted", "migration problems", "rejected" }, o => Assert.True(outcomes.GetValueOrDefault(o) > 0, o));
    }
}
