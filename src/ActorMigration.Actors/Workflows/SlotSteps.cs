using ActorMigration.Actors.Scheduling;
using ActorMigration.Domain.Workflows;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>
/// The migration queue's steps. The queue is found at first use (it is registered after the workflow regions). A poll
/// the queue does not answer in time (its singleton is moving) is not a failure: it answers "still queued" and the
/// workflow polls again. A give-back that is not answered is left to the queue's reconcile tick.
/// </summary>
/// <param name="queue">The queue singleton's proxy, null while it is not registered yet.</param>
public sealed class SlotSteps(Func<IActorRef?> queue)
{
    /// <summary>How much longer than the queue's own wait an ask waits for its answer.</summary>
    public static readonly TimeSpan AskMargin = TimeSpan.FromSeconds(3);

    /// <summary>For a runner without a queue (unit tests of other workflows): every slot is granted at once.</summary>
    public static readonly SlotSteps Unlimited = new(() => null) { GrantWithoutQueue = true };

    private bool GrantWithoutQueue { get; init; }

    public async Task<StepResult> Run(WorkflowStep step, string upid)
    {
        var q = queue();
        switch (step)
        {
            case AcquireSlot s when q is null:
                if (GrantWithoutQueue) return new SlotPolled(true, 0);
                await Task.Delay(s.MaxWait);
                return new SlotPolled(false, null);
            case AcquireSlot s:
                try
                {
                    var r = await q.Ask<SlotReply>(new AskSlot(upid, s.VmId, s.Source, s.Target, s.Slot, s.MaxWait), s.MaxWait + AskMargin);
                    return new SlotPolled(r.Granted, r.Granted ? 0 : r.Ahead, r.Refused);
                }
                catch (AskTimeoutException)
                {
                    return new SlotPolled(false, null);
                }
            case ReleaseSlot s when q is not null:
                try
                {
                    await q.Ask<SlotGivenBack>(new GiveBackSlot(upid, s.Why), MigrationQueueActor.MaxPark + AskMargin);
                }
                catch (AskTimeoutException)
                {
                    // The reconcile tick releases the slot of an ended task.
                }
                return Done.Instance;
            case ReleaseSlot:
                return Done.Instance;
            default:
                throw new StepRefusedException($"no slot runner for step {step.GetType().Name}");
        }
    }
}
