using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Domain.Workflows.VmTask;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>
/// Runs workflow steps: the VM-record steps and the steps that span nodes (disk copy, conntrack transfer, the facts
/// that ask several nodes) here; each single-node step goes to its node as one <see cref="NodeStep"/>, where
/// NodeOperations re-checks reality. Running a step twice (after a crash) does no harm. Commands that change a node carry
/// the step's identity and a deadline (<see cref="StepStamp"/>: the ask timeout from now), so a late one is dropped.
/// </summary>
/// <param name="time">The clock of the deadlines; the system's when null.</param>
public sealed class StepRunner(IActorRef vms, IActorRef nodes, ClusterTopology topology, StepTimeouts timeouts, TimeProvider? time = null,
    Func<string, bool>? online = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ClusterTopology Topology => topology;

    /// <summary>The node has no Up member any more (declared down or removed); null where there is no cluster (tests).</summary>
    public Func<string, bool>? NodeGone { get; init; }

    /// <summary>The migration queue's steps; without it (unit tests) every slot is granted at once.</summary>
    public SlotSteps Slots { get; init; } = SlotSteps.Unlimited;

    /// <summary>Reads a node's lease from the journal database (the HA recovery's fence check).</summary>
    public Func<string, CancellationToken, Task<NodeFenceFacts>>? Leases { get; init; }

    /// <summary>The member's actor system: the task steps find the task router, read model and stores in its registry.</summary>
    public ActorSystem? System { get; init; }

    /// <param name="attempt">Which attempt of the step this is (1 for the first).</param>
    public async Task<StepResult> Run(WorkflowStep step, string upid, IActorRef workflow, int attempt = 1)
    {
        // Single-node steps: one request each to the node, which runs them under the same name.
        if (OnOneNode(step, workflow) is (NodeStep request, TimeSpan timeout))
        {
            var result = await Node<StepResult>(request with { Stamp = Stamp(upid, step, attempt, timeout) }, timeout);
            if (step is StartVm { Incoming: null } started) await CloudInitGenerated(started);
            return result;
        }
        switch (step)
        {
            case LockVm s:
                await Vm(new AcquireVmLock(s.VmId, s.Lock, upid, s.Node));
                return Done.Instance;
            case UnlockVm s:
                await Vm(new ReleaseVmLock(s.VmId, upid));
                return Done.Instance;
            case MoveVm s:
                // The point of no return needs both ends: a move towards a lost node, or away from one, rolls back instead;
                // unless the record moved already (this step ran before a crash): then the point is behind, whatever the ends.
                foreach (var end in new[] { s.From, s.To })
                    if (online?.Invoke(end) == false)
                    {
                        if (await VmQuery(s.VmId) is { Exists: true } moved && moved.Node == s.To && moved.LockOwner == upid) return Done.Instance;
                        throw new NodeOfflineException(end);
                    }
                await Vm(new MoveVmOwner(s.VmId, s.From, s.To, s.ConfigText, upid));
                return Done.Instance;
            case RecoverVm s:
            {
                // The source is fenced: the record moves without asking it (the fence check before said its VMs are dead).
                var vm = await VmQuery(s.VmId);
                await Vm(new MoveVmOwner(s.VmId, s.From, s.To, vm.ConfigText, upid));
                return Done.Instance;
            }
            case CheckNodeFenced s:
            {
                var read = Leases ?? throw new StepRefusedException("no lease store: fencing is off on this member");
                using var cts = new CancellationTokenSource(timeouts.Default);
                return await read(s.Node, cts.Token);
            }
            case ReplaceConfig s:
                await Vm(new ReplaceVmConfig(s.VmId, s.ConfigText, upid));
                return Done.Instance;
            case EditConfig s:
            {
                // A user's edit is applied as the VM is when it is written (update_vm_api's check_running).
                var mode = s.Mode is not (ConfigEditMode.Stopped or ConfigEditMode.Running) ? s.Mode
                    : (await Node<VmRuntime>(new GetVmRuntime(s.Node, s.VmId))).IsAlive ? ConfigEditMode.Running : ConfigEditMode.Stopped;
                await Vm(new EditVmConfig(s.VmId, s.Node, s.Set, s.Delete, s.Digest, upid, s.SkipLock, mode, s.Force));
                return Done.Instance;
            }
            case CreateVmRecord s:
            {
                var existing = await VmQuery(s.VmId);
                if (existing.Exists && existing.LockOwner == upid) return Done.Instance;
                await Vm(new CreateVm(s.VmId, s.Node, s.ConfigText, s.Lock, upid));
                return Done.Instance;
            }
            case DestroyVmRecord s:
                await Vm(new DestroyVm(s.VmId, s.Node, upid));
                return Done.Instance;
            case LinkClone s:
                await Vm(s.Add ? new AddLinkedClone(s.TemplateVmId, s.Child) : new RemoveLinkedClone(s.TemplateVmId, s.Child));
                return Done.Instance;
            case GatherMigrationFacts or GatherVmFacts or GatherCloneFacts or GatherMoveDiskFacts:
                return await Gather(step);
            case TransferConntrack s:
            {
                var dump = await Node<NodeConntrack>(new DumpNodeConntrack(s.Source, s.VmId));
                var loaded = await Node<NodeCount>(new LoadNodeConntrack(s.Target, s.VmId, dump.Entries, Stamp(upid, step, attempt)));
                await Node<NodeCount>(new FlushNodeConntrack(s.Source, s.VmId, Stamp(upid, step, attempt)));
                return new ConntrackMoved(loaded.Count);
            }
            case CopyDisk s:
                await CopyDisk(s, workflow, timeout => Stamp(upid, step, attempt, timeout));
                return Done.Instance;
            case Noop:
                return Done.Instance;
            case AcquireSlot or ReleaseSlot:
                return await Slots.Run(step, upid);
            case Domain.Workflows.Bulk.GatherBulkFacts or Domain.Workflows.Bulk.GatherEvacuationFacts or Domain.Workflows.Bulk.StartChildTasks
                or Domain.Workflows.Bulk.AwaitTasks or Domain.Workflows.Bulk.AbortTasks or Domain.Workflows.Bulk.AwaitNodeOnline:
                return await TaskSteps.Run(step, this, timeouts);
            default:
                throw new StepRefusedException($"no runner for step {step.GetType().Name}");
        }
    }

    /// <summary>
    /// vm_start's apply_cloudinit_config: a start (not a migration's target) wrote the cloud-init image from the step's
    /// config, so the changes recorded since the last image are dropped. Best effort: a record that does not answer keeps
    /// them (GET …/cloudinit then shows changes the image already has), the started VM is not failed for it.
    /// </summary>
    private async Task CloudInitGenerated(StartVm s)
    {
        var cfg = QmConfig.Parse(s.ConfigText);
        if (!CloudInitChanges.HasChanges(cfg) || !CloudInitDrive.Of(cfg.Main, s.VmId).Any()) return;
        try
        {
            await Vm(new MarkCloudInitGenerated(s.VmId, s.Node, CloudInitChanges.Text(cfg)));
        }
        catch (Exception e) when (e is StepRefusedException or AskTimeoutException)
        {
        }
    }

    /// <summary>The fact-gathering steps: the VM records and what the nodes report, read without changing anything.</summary>
    public async Task<StepResult> Gather(WorkflowStep step) => step switch
    {
        GatherMigrationFacts s => await MigrationFacts(s),
        GatherCloneFacts s => await CloneFacts(s),
        GatherVmFacts s => new VmFacts(await VmQuery(s.VmId), await Node<VmRuntime>(new GetVmRuntime(s.Node, s.VmId))),
        GatherMoveDiskFacts s => await MoveDiskFacts(s),
        _ => throw new StepRefusedException($"no facts for step {step.GetType().Name}")
    };

    /// <summary>A stamp for one command of this step, whose deadline is the command's ask timeout from now.</summary>
    private StepStamp Stamp(string upid, WorkflowStep step, int attempt, TimeSpan? timeout = null) =>
        new(upid, step.Key, attempt, _time.GetUtcNow() + (timeout ?? timeouts.Default));

    private async Task CopyDisk(CopyDisk s, IActorRef workflow, Func<TimeSpan?, StepStamp> stamp)
    {
        // A retry starts from a fresh target volume, so a half copy never survives.
        NbdExport export;
        if (s.WithSnapshots)
        {
            // The file itself travels (qcow2 internal snapshots with it): the target is an empty file of its length.
            var src = (await Node<NodeVolume>(new GetNodeVolume(s.SourceNode, s.SrcVolid))).Volume
                ?? throw new NodeOperationException($"volume '{s.SrcVolid}' does not exist");
            var length = src.FileLength ?? throw new NodeOperationException($"unable to determine the file size of '{s.SrcVolid}'");
            export = await Node<NbdExport>(new ExportNodeVolume(s.TargetNode, s.DstVolid, Writable: true, FileLength: length, stamp(null)));
        }
        else
        {
            await Node<NodeDone>(new CreateNodeVolumes(s.TargetNode, [new VolumeAlloc(s.DstVolid, s.Format, s.SizeBytes)], ReplaceExisting: true,
                stamp(null)));
            export = await Node<NbdExport>(new ExportNodeVolume(s.TargetNode, s.DstVolid, Writable: true, Stamp: stamp(null)));
        }
        try
        {
            await Node<NodeDone>(new CopyNodeVolumeToNbd(s.SourceNode, s.SrcVolid, export.Uri, s.BwLimitKiB, workflow, s.WithSnapshots,
                stamp(timeouts.Copy)), timeouts.Copy);
        }
        finally
        {
            await Node<NodeDone>(new CloseNodeExport(s.TargetNode, export.ExportId));
        }
    }

    private async Task<MigrationFacts> MigrationFacts(GatherMigrationFacts s)
    {
        // Independent questions, asked at once: the VM record, the source's runtime and facts, the target.
        var vm = VmQuery(s.VmId);
        var runtime = Node<VmRuntime>(new GetVmRuntime(s.Source, s.VmId));
        var source = Node<NodeFacts>(new GetNodeFacts(s.Source));
        var target = TargetFacts(s);
        await Task.WhenAll(vm, runtime, source, target);
        var (targetFacts, targetVolumes) = await target;
        var local = await LocalVolumes(s.Source, await vm);
        return new MigrationFacts(await vm, await runtime, await source, targetFacts, topology.ClusterNodes, topology.StorageConfigText,
            targetVolumes, local);
    }

    /// <summary>The VM's volumes on the source's local storages as its storage driver sees them (sizes, paths, snapshots).</summary>
    private async Task<List<VolumeInfo>> LocalVolumes(string node, VmRecordView vm)
    {
        var result = new List<VolumeInfo>();
        if (!vm.Exists) return result;
        var cfg = QmConfig.Parse(vm.ConfigText);
        var storage = topology.Storage;
        foreach (var volid in MigrationChecks.Volumes(cfg, storage).Where(v => !v.Shared).Select(v => v.Volid))
        {
            if (!VolumeName.TryParse(volid, out var name, out _) || name!.VType != "images"
                || storage.Get(name.Storage)?.AvailableOn(node) != true) continue;
            // One that cannot be read is left out: prepare refuses it ("unable to determine size").
            try
            {
                if ((await Node<NodeVolume>(new GetNodeVolume(node, volid))).Volume is { } info) result.Add(info);
            }
            catch (NodeOperationException) { }
        }
        return result;
    }

    /// <summary>The target's facts and the VM's volumes already on it; no facts when it does not answer.</summary>
    private async Task<(NodeFacts?, List<string>)> TargetFacts(GatherMigrationFacts s)
    {
        var targetVolumes = new List<string>();
        if (!topology.ClusterNodes.Contains(s.Target) || s.Target == s.Source) return (null, targetVolumes);
        try
        {
            var facts = Node<NodeFacts>(new GetNodeFacts(s.Target), timeouts.Facts);
            var lists = topology.Storage.LocalImagesOn(s.Target)
                .Select(st => Node<NodeVolumes>(new ListNodeVolumes(s.Target, st.Id, s.VmId))).ToList();
            var target = await facts;
            foreach (var l in lists) targetVolumes.AddRange((await l).Volumes.Select(v => v.VolId));
            return (target, targetVolumes);
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
        {
            return (null, []);
        }
    }

    private async Task<CloneFacts> CloneFacts(GatherCloneFacts s)
    {
        var source = await VmQuery(s.VmId);
        var runtime = await Node<VmRuntime>(new GetVmRuntime(s.Node, s.VmId));
        var newVm = await VmQuery(s.NewId);
        var existing = new List<string>();
        foreach (var st in topology.Storage.On(s.Node).Where(x => x.HasContent("images")))
            existing.AddRange((await Node<NodeVolumes>(new ListNodeVolumes(s.Node, st.Id, s.NewId))).Volumes.Select(v => v.VolId));
        return new CloneFacts(source, runtime, newVm, existing, topology.StorageConfigText);
    }

    /// <summary>The VM, its runtime, the disk's volume as the node's storage sees it and the VM's volumes on the node's image storages.</summary>
    private async Task<MoveDiskFacts> MoveDiskFacts(GatherMoveDiskFacts s)
    {
        var vm = await VmQuery(s.VmId);
        var runtime = await Node<VmRuntime>(new GetVmRuntime(s.Node, s.VmId));
        VolumeInfo? source = null;
        if (vm.Exists && QmConfig.Parse(vm.ConfigText)[s.Disk] is { } value && DriveSpec.TryParse(value)?.Volume is { } volid)
            source = (await Node<NodeVolume>(new GetNodeVolume(s.Node, volid.ToString()))).Volume;
        var existing = new List<string>();
        foreach (var st in topology.Storage.On(s.Node).Where(x => x.HasContent("images")))
            existing.AddRange((await Node<NodeVolumes>(new ListNodeVolumes(s.Node, st.Id, s.VmId))).Volumes.Select(v => v.VolId));
        return new MoveDiskFacts(vm, runtime, source, existing, topology.StorageConfigText);
    }

    /// <summary>How long one ask to a VM record waits before an idempotent command is sent again.</summary>
    public static readonly TimeSpan VmRetryAfter = TimeSpan.FromSeconds(3);

    private async Task<VmRecordView> Vm(IVmCommand cmd)
    {
        var reply = await AskVm(cmd);
        return reply.Ok ? reply.Vm! : throw new StepRefusedException(reply.Error!);
    }

    /// <summary>
    /// A command sent while the record's member dies is lost with it, until sharding has removed that member. Commands
    /// that are idempotent by their owner (all but create and a digest-checked edit) are sent again every
    /// <see cref="VmRetryAfter"/>, so the record answers from its new member within seconds, not after the whole timeout.
    /// </summary>
    private async Task<VmReply> AskVm(IVmCommand cmd)
    {
        if (cmd is CreateVm or EditVmConfig or DestroyVm { Owner: null }) return await vms.Ask<VmReply>(cmd, timeouts.Default);
        var tries = Math.Max(1, (int)(timeouts.Default.Ticks / VmRetryAfter.Ticks));
        for (var i = 1; ; i++)
        {
            try
            {
                return await vms.Ask<VmReply>(cmd, i < tries ? VmRetryAfter : timeouts.Default - VmRetryAfter * (tries - 1));
            }
            catch (AskTimeoutException) when (i < tries)
            {
            }
        }
    }

    private Task<VmRecordView> VmQuery(int vmid) => Vm(new GetVm(vmid));

    private Task<T> Node<T>(INodeCommand cmd, TimeSpan? timeout = null) =>
        nodes.Ask<T>(cmd, timeout ?? timeouts.Default);

    /// <summary>The request for a single-node step and how long its node may take; null for the steps run here.</summary>
    private (NodeStep, TimeSpan)? OnOneNode(WorkflowStep step, IActorRef workflow) => step switch
    {
        StartVm s => (new NodeStep(s.Node, s), timeouts.Start),
        StopVm s => (new NodeStep(s.Node, s), timeouts.Start),
        ShutdownVm s => (new NodeStep(s.Node, s), TimeSpan.FromSeconds(s.TimeoutSeconds + 30)),
        ResumeVm s => (new NodeStep(s.Node, s), timeouts.Default),
        ConfirmIncoming s => (new NodeStep(s.Node, s), timeouts.Default + s.MaxWait),
        StartMigration s => (new NodeStep(s.Node, s), timeouts.Default),
        PollMigration s => (new NodeStep(s.Node, s), timeouts.Default + s.MaxWait),
        CancelMigration s => (new NodeStep(s.Node, s), timeouts.Default),
        TuneMigration s => (new NodeStep(s.Node, s), timeouts.Default),
        StartPostcopy s => (new NodeStep(s.Node, s), timeouts.Default),
        StartMirrors s => (new NodeStep(s.Node, s), timeouts.Default),
        PollMirrors s => (new NodeStep(s.Node, s), timeouts.Default),
        FinishMirrors s => (new NodeStep(s.Node, s), timeouts.Start),
        StopNbd s => (new NodeStep(s.Node, s), timeouts.Default),
        MirrorToVolumes s => (new NodeStep(s.Node, s), timeouts.Default),
        AllocateVolumes s => (new NodeStep(s.Node, s), timeouts.Default),
        DeleteVolumes s => (new NodeStep(s.Node, s), timeouts.Default * Math.Max(1, s.Volids.Count)),
        RenameVolume s => (new NodeStep(s.Node, s), timeouts.Default),
        SnapshotVolumes s => (new NodeStep(s.Node, s), timeouts.Copy),
        SnapshotRunningVm s => (new NodeStep(s.Node, s), timeouts.Copy),
        ConvertDisk s => (new NodeStep(s.Node, s, workflow), timeouts.Copy),
        BackupVm s => (new NodeStep(s.Node, s, workflow), timeouts.Copy),
        RestoreDisk s => (new NodeStep(s.Node, s, workflow), timeouts.Copy),
        HotplugDisk s => (new NodeStep(s.Node, s), timeouts.Default),
        HotplugNic s => (new NodeStep(s.Node, s), timeouts.Default),
        ResizeDisk s => (new NodeStep(s.Node, s), timeouts.Default),
        PivotMirror s => (new NodeStep(s.Node, s), timeouts.Start),
        CancelMirror s => (new NodeStep(s.Node, s), timeouts.Start),
        ResetVm s => (new NodeStep(s.Node, s), timeouts.Default),
        PauseVm s => (new NodeStep(s.Node, s), timeouts.Default),
        _ => null
    };
}

public sealed record StepTimeouts(TimeSpan Default, TimeSpan Start, TimeSpan Copy, TimeSpan Facts)
{
    public static readonly StepTimeouts Standard = new(
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120), TimeSpan.FromHours(24), TimeSpan.FromSeconds(10));
}
