using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Workflows;

/// <summary>
/// A VM whose earlier live migration completed but was rolled back (target stopped, source resumed once its node was
/// back): its source still reports that migration completed. A new migration workflow must move it (simulated nodes).
/// </summary>
public sealed class LostMigrationWorkflowTests : PersistenceTest, IDisposable
{
    private const int VmId = 104;
    private const string Config = "memory: 2048\nname: web\n";
    private readonly SimCluster _cluster;

    public LostMigrationWorkflowTests()
    {
        _cluster = new SimCluster(Sys, new SimulationOptions { SpeedFactor = 10 });
    }

    public new void Dispose()
    {
        base.Dispose();
        _cluster.Dispose();
    }

    private Task<T> Step<T>(string node, WorkflowStep step) => _cluster.Nodes.Ask<T>(new NodeStep(node, step), TimeSpan.FromSeconds(10));

    /// <summary>The lost attempt, as its rollback leaves it once the source's node is back.</summary>
    private async Task LostAttempt()
    {
        Assert.True((await _cluster.Vms.Ask<VmReply>(new CreateVm(VmId, "node1", Config))).Ok);
        await Step<VmStarted>("node1", new StartVm("start", "node1", VmId, Config, null, "test"));
        var incoming = await Step<VmStarted>("node2", new StartVm("incoming", "node2", VmId, Config, new IncomingSpec("127.0.0.1", []), "lost"));
        await Step<StepResult>("node1", new StartMigration("migrate", "node1", VmId, new MigrationStartSpec(incoming.Runtime.IncomingUri!, null)));
        await AwaitConditionAsync(async () =>
            (await Step<MigrationPolled>("node1", new PollMigration("precopy", "node1", VmId, TimeSpan.Zero))).Progress.Status
            == MigrationState.Completed, TimeSpan.FromSeconds(30));
        await Step<StepResult>("node2", new StopVm("rb-stop-target", "node2", VmId));
        await Step<StepResult>("node1", new ResumeVm("rb-resume-source", "node1", VmId));
    }

    [Fact]
    public async Task A_migration_after_a_lost_completed_one_moves_the_vm()
    {
        await LostAttempt();
        const string upid = "UPID:node1:00000001:00000004:6B000000:qmigrate:104:root@pam!admin:";
        var wf = Sys.ActorOf(MigrationWorkflowActor.Props(upid, _cluster.Runner));
        Assert.IsType<TaskAcceptedReply>(await wf.Ask<object>(new StartTask(upid, new MigrationRequest(VmId, "node1", "node2", true, false,
            null, null, false, false, "root@pam!admin", PollIntervalMs: 50))));

        TaskStatusReply status = null!;
        await AwaitConditionAsync(async () => (status = await wf.Ask<TaskStatusReply>(new GetTaskStatus(upid))) is { Exists: true, Running: false },
            TimeSpan.FromSeconds(30));
        var log = (await wf.Ask<TaskLogReply>(new GetTaskLog(upid, 0, 0))).Lines;
        Assert.True(status.ExitStatus == "OK", string.Join('\n', log));
        Assert.Equal("node2", (await _cluster.Vms.Ask<VmReply>(new GetVm(VmId))).Vm!.Node);
        Assert.Equal(VmRunState.Running, (await _cluster.Nodes.Ask<VmRuntime>(new GetVmRuntime("node2", VmId))).State);
        Assert.Equal(VmRunState.Stopped, (await _cluster.Nodes.Ask<VmRuntime>(new GetVmRuntime("node1", VmId))).State);
    }
}
