using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;
using Akka.Persistence;

namespace ActorMigration.Actors.Tests.Workflows;

/// <summary>The migration workflow actor on the simulated driver, with a journal that can fail.</summary>
public sealed class MigrationWorkflowActorTests : PersistenceTest, IDisposable
{
    private readonly SimCluster _cluster;
    private readonly IActorRef _vms;
    private readonly IActorRef _nodes;
    private readonly StepRunner _runner;

    public MigrationWorkflowActorTests()
    {
        _cluster = new SimCluster(Sys, new SimulationOptions { SpeedFactor = 10 });
        (_vms, _nodes, _runner) = (_cluster.Vms, _cluster.Nodes, _cluster.Runner);
    }

    public new void Dispose()
    {
        base.Dispose();
        _cluster.Dispose();
    }

    private async Task RunningVm(int vmid)
    {
        const string config = "memory: 2048\nname: web\n";
        Assert.True((await _vms.Ask<VmReply>(new CreateVm(vmid, "node1", config))).Ok);
        await _nodes.Ask<VmStarted>(new NodeStep("node1", new StartVm("start", "node1", vmid, config, null, "test")));
    }

    private async Task<TaskStatusReply> WaitFinished(IActorRef wf, string upid)
    {
        for (var i = 0; i < 300; i++)
        {
            var s = await wf.Ask<TaskStatusReply>(new GetTaskStatus(upid));
            if (s.Exists && !s.Running) return s;
            await Task.Delay(100);
        }
        throw new TimeoutException(upid);
    }

    [Fact]
    public async Task A_target_declared_gone_during_precopy_rolls_back_at_once_not_when_the_precopy_ends()
    {
        const string config = "memory: 131072\n";
        Assert.True((await _vms.Ask<VmReply>(new CreateVm(102, "node1", config))).Ok);
        await _nodes.Ask<VmStarted>(new NodeStep("node1", new StartVm("start", "node1", 102, config, null, "test")));
        var gone = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var runner = new StepRunner(_vms, _nodes, _cluster.Topology, StepTimeouts.Standard) { NodeGone = gone.ContainsKey };
        const string upid = "UPID:node1:00000001:00000003:6B000000:qmigrate:102:root@pam!admin:";
        var wf = Sys.ActorOf(MigrationWorkflowActor.Props(upid, runner));
        Assert.IsType<TaskAcceptedReply>(await wf.Ask<object>(new StartTask(upid, new MigrationRequest(102, "node1", "node2", true, false,
            null, null, false, false, "root@pam!admin", PollIntervalMs: 50))));
        await AwaitConditionAsync(async () => (await wf.Ask<TaskStatusReply>(new GetTaskStatus(upid))).Phase == "precopy-iterations",
            TimeSpan.FromSeconds(20));

        // The poll goes to the source, which answers; only the target's member is gone.
        gone["node2"] = true;
        var lostAt = DateTime.UtcNow;
        var status = await WaitFinished(wf, upid);

        Assert.True(DateTime.UtcNow - lostAt < TimeSpan.FromSeconds(5), $"ended {(DateTime.UtcNow - lostAt).TotalSeconds:F1} s after the loss");
        Assert.Equal("migration aborted", status.ExitStatus);
        var log = (await wf.Ask<TaskLogReply>(new GetTaskLog(upid, 0, 0))).Lines;
        Assert.Contains(log, l => l.Contains("node 'node2' seems to be offline"));
        Assert.Equal("node1", (await _vms.Ask<VmReply>(new GetVm(102))).Vm!.Node);
        Assert.Equal(VmRunState.Running, (await _nodes.Ask<VmRuntime>(new GetVmRuntime("node1", 102))).State);
    }

    [Fact]
    public async Task A_workflow_whose_journal_write_fails_recovers_and_finishes()
    {
        await RunningVm(100);
        const string upid = "UPID:node1:00000001:00000001:6B000000:qmigrate:100:root@pam!admin:";
        var wf = Sys.ActorOf(MigrationWorkflowActor.Props(upid, _runner));
        var reply = await wf.Ask<object>(new StartTask(upid, new MigrationRequest(100, "node1", "node2", true, false, null, null,
            false, false, "root@pam!admin", PollIntervalMs: 50)));
        Assert.IsType<TaskAcceptedReply>(reply);

        Watch(wf);
        await WithFailingWrites(async () =>
        {
            ExpectTerminated(wf, TimeSpan.FromSeconds(20));
            await Task.CompletedTask;
        });

        // What sharding with remembered entities does: start it again and wake it.
        var again = Sys.ActorOf(MigrationWorkflowActor.Props(upid, _runner));
        again.Tell(new WakeTask(upid));
        var status = await WaitFinished(again, upid);

        Assert.Equal("OK", status.ExitStatus);
        var vm = (await _vms.Ask<VmReply>(new GetVm(100))).Vm!;
        Assert.Equal("node2", vm.Node);
        Assert.Null(vm.Lock);
        Assert.Equal(VmRunState.Running, (await _nodes.Ask<VmRuntime>(new GetVmRuntime("node2", 100))).State);
        Assert.Equal(VmRunState.Stopped, (await _nodes.Ask<VmRuntime>(new GetVmRuntime("node1", 100))).State);
        var log = await again.Ask<TaskLogReply>(new GetTaskLog(upid, 0, 0));
        Assert.Equal("TASK OK", log.Lines[^1]);
    }

    [Fact]
    public async Task A_start_that_loses_the_lock_race_is_rejected_and_leaves_no_task()
    {
        await RunningVm(101);
        Assert.True((await _vms.Ask<VmReply>(new AcquireVmLock(101, "backup", "someone-else"))).Ok);
        const string upid = "UPID:node1:00000001:00000002:6B000000:qmigrate:101:root@pam!admin:";
        var wf = Sys.ActorOf(MigrationWorkflowActor.Props(upid, _runner));
        var reply = await wf.Ask<object>(new StartTask(upid, new MigrationRequest(101, "node1", "node2", true, false, null, null,
            false, false, "root@pam!admin")));
        var rejected = Assert.IsType<TaskRejectedReply>(reply);
        Assert.Equal("VM is locked (backup)", rejected.Error);
        var status = await wf.Ask<TaskStatusReply>(new GetTaskStatus(upid));
        Assert.False(status.Exists);
        Assert.Equal("node1", (await _vms.Ask<VmReply>(new GetVm(101))).Vm!.Node);
    }

    [Fact]
    public async Task Resume_and_source_stop_ride_on_the_unlock_write_and_run_again_after_a_crash_before_it()
    {
        await RunningVm(102);
        const string upid = "UPID:node1:00000001:00000003:6B000000:qmigrate:102:root@pam!admin:";
        // The write that records the resume fails once: the workflow stops as if its member crashed right then.
        var failed = 0;
        await Journal.OnWrite.FailIf(p =>
            p.Payload is StepCompleted { Key: "resume-target" } && Interlocked.Exchange(ref failed, 1) == 0);
        var wf = Sys.ActorOf(MigrationWorkflowActor.Props(upid, _runner));
        Watch(wf);
        var reply = await wf.Ask<object>(new StartTask(upid, new MigrationRequest(102, "node1", "node2", true, false, null, null,
            false, false, "root@pam!admin", PollIntervalMs: 50)));
        Assert.IsType<TaskAcceptedReply>(reply);
        ExpectTerminated(wf, TimeSpan.FromSeconds(30));
        Assert.Equal(1, failed);

        // That write was the unlock's: the source was stopped and the VM unlocked before it, unrecorded.
        var vm = (await _vms.Ask<VmReply>(new GetVm(102))).Vm!;
        Assert.Null(vm.Lock);
        Assert.Equal(VmRunState.Stopped, (await _nodes.Ask<VmRuntime>(new GetVmRuntime("node1", 102))).State);
        var recorded = await Sys.ActorOf(Props.Create(() => new StepKeys(MigrationWorkflowActor.PersistenceIdPrefix + upid)))
            .Ask<List<string>>("keys", TimeSpan.FromSeconds(5));
        Assert.Contains("owner", recorded);
        Assert.DoesNotContain("resume-target", recorded);
        Assert.DoesNotContain("stop-source", recorded);

        // Started again, it runs resume, stop and unlock once more (all no-ops now) and finishes.
        await Journal.OnWrite.Pass();
        var again = Sys.ActorOf(MigrationWorkflowActor.Props(upid, _runner));
        again.Tell(new WakeTask(upid));
        Assert.Equal("OK", (await WaitFinished(again, upid)).ExitStatus);
        vm = (await _vms.Ask<VmReply>(new GetVm(102))).Vm!;
        Assert.Equal("node2", vm.Node);
        Assert.Null(vm.Lock);
        Assert.Equal(VmRunState.Running, (await _nodes.Ask<VmRuntime>(new GetVmRuntime("node2", 102))).State);
        Assert.Equal(VmRunState.Stopped, (await _nodes.Ask<VmRuntime>(new GetVmRuntime("node1", 102))).State);
    }

    /// <summary>Replays a workflow's journal and answers the keys of its recorded steps.</summary>
    private sealed class StepKeys : ReceivePersistentActor
    {
        private readonly List<string> _keys = new();
        public override string PersistenceId { get; }

        public StepKeys(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<StepCompleted>(c => _keys.Add(c.Key));
            Command<string>(_ => Sender.Tell(_keys));
        }
    }
}
