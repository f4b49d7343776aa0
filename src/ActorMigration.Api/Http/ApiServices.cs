using Akka.Actor;
using Akka.Hosting;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Api.Http;

/// <summary>What handlers need: the entities (truth), the read model (listings) and task helpers.</summary>
public sealed class ApiServices(ActorRegistry registry, ClusterTopology topology, ApiOptions options)
{
    private static long _pstart = Environment.TickCount64 / 10 % 0x7FFFFFFF;
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    public ClusterTopology Topology => topology;
    public ApiOptions Options => options;
    public IActorRef Vms => registry.Get<VirtualMachineRegion>();
    public IActorRef Nodes => registry.Get<HypervisorNodeRegion>();
    public IActorRef Tasks => registry.Get<TaskRouter>();
    public IActorRef ReadModel => registry.Get<ClusterReadModel>();

    public StepRunner Runner => new(Vms, Nodes, topology, StepTimeouts.Standard);

    public Upid NewUpid(string node, string type, string id, string user) =>
        new(node, Environment.ProcessId, Interlocked.Increment(ref _pstart), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), type, id, user);

    public async Task<VmSnapshot> Vm(int vmid)
    {
        var r = await Vms.Ask<VmReply>(new GetVm(vmid), AskTimeout);
        return r.Vm!;
    }

    /// <summary>The VM if its config lives on <paramref name="node"/>, else Proxmox's "does not exist" error.</summary>
    public async Task<(VmSnapshot? Vm, IResult? Error)> VmOnNode(string node, int vmid)
    {
        if (CheckNode(node) is { } bad) return (null, bad);
        var vm = await Vm(vmid);
        return vm.Exists && vm.Node == node ? (vm, null) : (null, PveResult.Error(VmDecider.NoConfig(node, vmid)));
    }

    /// <summary>The VM on <paramref name="node"/> and its runtime (stopped when the node does not answer).</summary>
    public async Task<(ActorMigration.Domain.Workflows.VmFacts? Facts, IResult? Error)> VmFactsOnNode(string node, int vmid)
    {
        var (vm, err) = await VmOnNode(node, vmid);
        if (err is not null) return (null, err);
        var rt = await Runtime(node, vmid) ?? new VmRuntime(vmid, VmRunState.Stopped);
        return (new ActorMigration.Domain.Workflows.VmFacts(vm!, rt), null);
    }

    public async Task<VmRuntime?> Runtime(string node, int vmid)
    {
        try
        {
            return await Nodes.Ask<VmRuntime>(new GetVmRuntime(node, vmid), TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException)
        {
            return null;
        }
    }

    public async Task<NodeVms?> NodeVms(string node, TimeSpan timeout)
    {
        try
        {
            return await Nodes.Ask<NodeVms>(new ListNodeVms(node), timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException)
        {
            return null;
        }
    }

    public async Task<NodeFacts?> Facts(string node, TimeSpan timeout)
    {
        try
        {
            return await Nodes.Ask<NodeFacts>(new GetNodeFacts(node), timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException)
        {
            return null;
        }
    }

    /// <summary>400 for a malformed node name, 500 for an unknown one.</summary>
    public IResult? CheckNode(string node) =>
        Formats.Node(node) is { } fe ? PveResult.ParamError("node", $"invalid format - {fe}\n")
        : !topology.ClusterNodes.Contains(node) ? PveResult.Error($"no such cluster node '{node}'")
        : null;

    /// <summary>Starts a workflow and answers with its UPID once it holds its lock, or with the refusal.</summary>
    public async Task<IResult> StartTask(Upid upid, object request)
    {
        var reply = await Tasks.Ask(new StartTask(upid.ToString(), request), AskTimeout);
        return reply switch
        {
            TaskAcceptedReply a => PveResult.Data(a.Upid),
            TaskRejectedReply r => PveResult.Error(r.Error),
            _ => PveResult.Error("unexpected reply from task")
        };
    }

    public async Task<ReadModelStatus> ReadModelStatus() =>
        await ReadModel.Ask<ReadModelStatus>(new GetReadModelStatus(), AskTimeout);
}

public sealed record ApiOptions(int PollIntervalMs, string MacPrefix, string Version = "9.1.2", string Release = "9.1");
