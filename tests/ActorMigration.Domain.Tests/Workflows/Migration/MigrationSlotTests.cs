using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>The migration's wait for a queue slot: lock → slot → prepare, the queued lines, abort and refusal while queued.</summary>
public sealed class MigrationSlotTests
{
    private static MigrationHarness Queued(object? request = null) => MigrationHarness.Queued(request ?? Request(), Facts(SharedConfig));

    [Fact]
    public void A_bare_request_waits_as_a_user_slot_after_the_lock_and_gives_it_back_before_the_unlock()
    {
        var h = Queued();
        Assert.Equal(new MigrationSlotRequested(new MigrationSlot(SlotClasses.User)), h.Of<MigrationSlotRequested>().Single());
        h.Run();
        Assert.Equal(["lock", "slot", "prepare", "incoming", "migrate", "precopy", "confirm-target", "owner", "resume-target", "stop-source",
            "slot-release", "unlock"], h.Ran);
        var slot = h.Step<AcquireSlot>("slot");
        Assert.Equal((100, "node1", "node2", MigrationMachine.SlotMaxWait), (slot.VmId, slot.Source, slot.Target, slot.MaxWait));
        Assert.Equal("OK", h.Core.ExitStatus);
        // granted at once: no queue line in the log
        Assert.DoesNotContain(h.Text, l => l.Contains("queued") || l.Contains("slot granted"));
        h.AssertRecovers();
    }

    [Fact]
    public void An_order_waits_with_its_own_class_and_group()
    {
        var slot = new MigrationSlot(SlotClasses.Rebalance, "UPID:bulk", 2);
        var h = Queued(new MigrationOrder(Request(), slot));
        h.Succeed("lock");
        Assert.Equal(slot, Assert.IsType<AcquireSlot>(h.Next).Slot);
        Assert.Equal(slot, h.S.Slot);
    }

    [Fact]
    public void Waiting_shows_queued_n_ahead_in_the_phase_and_logs_a_changed_position_at_most_every_five_seconds()
    {
        var h = Queued();
        h.Succeed("lock");
        Assert.Equal("queued", h.S.Phase);
        var first = h.Succeed("slot", new SlotPolled(false, 3));
        Assert.Contains(first, e => e is MigrationQueued { Ahead: 3 });
        Assert.Equal("queued (3 ahead)", h.S.Phase);
        Assert.Equal("slot", h.Next?.Key); // polled again, not failed
        Assert.Empty(h.Succeed("slot", new SlotPolled(false, 3))); // unchanged: nothing written
        Assert.Empty(h.Succeed("slot", new SlotPolled(false, 2))); // changed within 5 s: not yet
        Assert.Equal("queued (3 ahead)", h.S.Phase);
        h.Now += TimeSpan.FromSeconds(4);
        Assert.Contains(h.Succeed("slot", new SlotPolled(false, 1)), e => e is MigrationQueued { Ahead: 1 });
        Assert.Equal("queued (1 ahead)", h.S.Phase);
        Assert.Empty(h.Succeed("slot", new SlotPolled(false, null))); // the queue did not answer: poll again
        h.Succeed("slot", new SlotPolled(true, 0));
        Assert.Equal("prepare", h.S.Phase);
        Assert.Equal(["queued (3 ahead)", "queued (1 ahead)", "migration slot granted after 00:00:11"],
            h.Text.Where(l => l.Contains("queued") || l.Contains("granted")));
        h.Run();
        Assert.Equal("OK", h.Core.ExitStatus);
        h.AssertRecovers();
    }

    [Fact]
    public void A_burst_of_polls_writes_few_events()
    {
        var h = Queued();
        h.Succeed("lock");
        h.StepTime = TimeSpan.FromMilliseconds(100);
        for (var ahead = 500; ahead > 0; ahead--) h.Succeed("slot", new SlotPolled(false, ahead));
        // 50 s of polls whose position changes every time: one write per 5 s
        Assert.InRange(h.Of<MigrationQueued>().Length, 10, 11);
    }

    [Fact]
    public void Abort_while_queued_unlocks_leaves_the_queue_and_ends_migration_aborted()
    {
        var h = Queued();
        h.Succeed("lock");
        h.Succeed("slot", new SlotPolled(false, 4));
        h.Abort();
        Assert.Equal("rollback", h.S.Phase);
        h.Run();
        Assert.Equal(["lock", "slot", "rb-unlock", "rb-slot-release"], h.Ran);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Contains(h.Text, l => l.StartsWith("ERROR: migration aborted (duration", StringComparison.Ordinal) && l.EndsWith("received interrupt"));
        Assert.DoesNotContain(h.Ran, k => k == "prepare");
    }

    [Fact]
    public void A_target_in_maintenance_refuses_the_slot_and_the_migration_fails_before_prepare()
    {
        var h = Queued();
        h.Succeed("lock");
        h.Succeed("slot", new SlotPolled(false, 0, "node 'node2' is in maintenance mode"));
        h.Run();
        Assert.Equal(["lock", "slot", "rb-unlock", "rb-slot-release"], h.Ran);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.EndsWith("node 'node2' is in maintenance mode", h.Text[^2]);
    }

    [Fact]
    public void A_failure_after_the_grant_gives_the_slot_back_in_the_rollback()
    {
        var h = Queued();
        h.Run(stopAt: "incoming");
        h.Fail("start failed");
        h.Run();
        Assert.Equal(["rb-stop-target", "rb-unlock", "rb-slot-release"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
    }

    [Fact]
    public void A_journal_older_than_the_queue_has_no_slot_steps()
    {
        var old = MigrationHarness.Started(Request(), Facts(SharedConfig)).Run();
        Assert.Null(old.S.Slot);
        Assert.DoesNotContain(old.Ran, k => k.Contains("slot"));
        Assert.Equal("OK", old.Core.ExitStatus);
    }

    [Fact]
    public void A_slot_step_answered_with_something_else_fails_instead_of_waiting_forever()
    {
        var h = Queued();
        h.Succeed("lock");
        h.Succeed("slot", Done.Instance);
        Assert.StartsWith("internal error", h.Core.Error);
    }
}
