using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Submissions;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Vms;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Api.Http;

/// <summary>What handlers need: the entities (truth), the read model (listings) and task helpers.</summary>
public sealed class ApiServices(ActorRegistry registry, ClusterTopology topology, ApiOptions options, ActorSystem system,
    ILogger<ApiServices> log, IHttpContextAccessor http)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    public ClusterTopology Topology => topology;
    public ApiOptions Options => options;
    public IActorRef Vms => registry.Get<VirtualMachineRegion>();
    public IActorRef Nodes => registry.Get<HypervisorNodeRegion>();
    public IActorRef Tasks => registry.Get<TaskRouter>();
    public IActorRef ReadModel => registry.Get<ClusterReadModel>();

    public IActorRef Precheck => registry.Get<Precheck>();

    public IActorRef Submissions => registry.Get<SubmissionRegion>();

    /// <summary>
    /// Facts gathered by the member's <see cref="PrecheckActor"/> (with the member's step timeouts) from a fact-gathering
    /// step. Its own timeouts end the gathering; this one is only a safety net.
    /// </summary>
    public Task<T> Gather<T>(Domain.Workflows.WorkflowStep step) where T : Domain.Workflows.StepResult =>
        Precheck.Ask<T>(step, TimeSpan.FromMinutes(5));

    public Upid NewUpid(string node, string type, string id, string user) => UpidFactory.Next(node, type, id, user);

    public async Task<VmRecordView> Vm(int vmid)
    {
        var r = await Vms.Ask<VmReply>(new GetVm(vmid), AskTimeout);
        return r.Vm!;
    }

    /// <summary>The VM if its config lives on <paramref name="node"/>, else Proxmox's "does not exist" error.</summary>
    public async Task<(VmRecordView? Vm, IResult? Error)> VmOnNode(string node, int vmid)
    {
        if (CheckNode(node) is { } bad) return (null, bad);
        var vm = await Vm(vmid);
        return vm.Exists && vm.Node == node ? (vm, null) : (null, PveResult.Error(VmDecider.NoConfig(node, vmid)));
    }

    /// <summary>The VM on <paramref name="node"/> and its runtime (stopped when the node does not answer).</summary>
    public async Task<(Domain.Workflows.VmFacts? Facts, IResult? Error)> VmFactsOnNode(string node, int vmid)
    {
        var (vm, err) = await VmOnNode(node, vmid);
        if (err is not null) return (null, err);
        var rt = await Runtime(node, vmid) ?? new VmRuntime(vmid, VmRunState.Stopped);
        return (new Domain.Workflows.VmFacts(vm!, rt), null);
    }

    /// <summary><see cref="CheckOnline"/>, then <see cref="VmFactsOnNode"/>: what a request acting on a VM needs first.</summary>
    public async Task<(Domain.Workflows.VmFacts? Facts, IResult? Error)> OnlineVmFacts(string node, int vmid) =>
        CheckOnline(node) is { } bad ? (null, bad) : await VmFactsOnNode(node, vmid);

    /// <summary>Whether a member that hosts the node is up and reachable: instant, from cluster membership.</summary>
    public bool IsOnline(string node) => NodeMembership.IsOnline(system, node);

    /// <summary>Proxmox's answer when a request needs a node that no reachable member hosts.</summary>
    public static string Offline(string node) => NodeOfflineException.MessageFor(node);

    /// <summary><see cref="CheckNode"/>, then refused at once when the node is offline.</summary>
    public IResult? CheckOnline(string node) =>
        CheckNode(node) ?? (IsOnline(node) ? null : PveResult.Error(Offline(node)));

    /// <summary>The VM's runtime; null at once for an offline node, or when the node does not answer.</summary>
    public async Task<VmRuntime?> Runtime(string node, int vmid)
    {
        if (!IsOnline(node)) return null;
        try
        {
            return await Nodes.Ask<VmRuntime>(new GetVmRuntime(node, vmid), TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
        {
            return null;
        }
    }

    public async Task<NodeVms?> NodeVms(string node, TimeSpan timeout)
    {
        if (!IsOnline(node)) return null;
        try
        {
            return await Nodes.Ask<NodeVms>(new ListNodeVms(node), timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
        {
            return null;
        }
    }

    public async Task<NodeFacts?> Facts(string node, TimeSpan timeout)
    {
        if (!IsOnline(node)) return null;
        try
        {
            return await Nodes.Ask<NodeFacts>(new GetNodeFacts(node), timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
        {
            return null;
        }
    }

    /// <summary>400 for a malformed node name, 500 for an unknown one.</summary>
    public IResult? CheckNode(string node) =>
        Formats.Node(node) is { } fe ? PveResult.ParamError("node", $"invalid format - {fe}\n")
        : !topology.ClusterNodes.Contains(node) ? PveResult.Error($"no such cluster node '{node}'")
        : null;

    /// <summary>
    /// Starts a workflow and answers with its UPID once it holds its lock, or with the refusal. When the answer
    /// takes longer than <see cref="ApiOptions.TaskStartTimeoutMs"/>, the task itself is asked: one that has
    /// started is answered with its UPID, so a timeout never hides a running task. A request with an Idempotency-Key
    /// claims the key for this start first (persisted); the claim that holds names the task that is started.
    /// </summary>
    public async Task<IResult> StartTask(Upid upid, object request)
    {
        if (http.HttpContext is { } ctx && IdempotentSubmission.Take(ctx) is { } key)
        {
            var claim = await Submissions.Ask<SubmissionReply>(
                new ClaimSubmission(key.EntityId, key.Key, key.User, key.Fingerprint, new StartTask(upid.ToString(), request), DateTimeOffset.UtcNow),
                AskTimeout);
            if (claim.Fingerprint != key.Fingerprint || claim.Start is null) return IdempotentSubmission.MismatchResult;
            return await StartTask(claim.Start);
        }
        return await StartTask(new StartTask(upid.ToString(), request));
    }

    /// <summary>Sends the start to its task (again, for a repeat: a started task answers as it did).</summary>
    public async Task<IResult> StartTask(StartTask start)
    {
        var id = start.Upid;
        object reply;
        try
        {
            reply = await Tasks.Ask(start, TimeSpan.FromMilliseconds(options.TaskStartTimeoutMs));
        }
        catch (AskTimeoutException)
        {
            return await AfterStartTimeout(id);
        }
        return reply switch
        {
            TaskAcceptedReply a => PveResult.Data(a.Upid),
            TaskRejectedReply r => PveResult.Error(r.Error),
            _ => PveResult.Error("unexpected reply from task")
        };
    }

    /// <summary>
    /// The task gets its commands in order, so its status, asked now, tells whether the start was handled:
    /// started (UPID), refused (its reason) or never started.
    /// </summary>
    private async Task<IResult> AfterStartTimeout(string upid)
    {
        try
        {
            var status = await Tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), TimeSpan.FromSeconds(5));
            log.LogInformation("Task {Upid} did not answer its start within {TimeoutMs} ms; it exists: {Exists}",
                upid, options.TaskStartTimeoutMs, status.Exists);
            if (status.Exists) return PveResult.Data(upid);
            return status.ExitStatus is { } refusal ? PveResult.Error(refusal) : PveResult.Error("got timeout - the task was not started");
        }
        catch (AskTimeoutException)
        {
            log.LogWarning("Task {Upid}: no answer to its start nor to its status", upid);
            return PveResult.Error($"got timeout - task '{upid}' may still start; check its status");
        }
    }

    public async Task<ReadModelStatus> ReadModelStatus() =>
        await ReadModel.Ask<ReadModelStatus>(new GetReadModelStatus(), AskTimeout);
}

/// <param name="TaskStartTimeoutMs">How long a request waits for its task to hold its lock before asking the task.</param>
/// <param name="CompletionTimeoutPerGiBSec">A live migration's completion timeout per GiB of RAM (AM_MIGRATION_COMPLETION_TIMEOUT_PER_GIB_S).</param>
/// <param name="ProgressTimeoutSec">How long a live migration may make no progress (AM_MIGRATION_PROGRESS_TIMEOUT_S).</param>
public sealed record ApiOptions(int PollIntervalMs, string MacPrefix, string Version = PveVersion.Version, string Release = PveVersion.Release,
    int TaskStartTimeoutMs = 15000, double CompletionTimeoutPerGiBSec = 150, double ProgressTimeoutSec = 150);
