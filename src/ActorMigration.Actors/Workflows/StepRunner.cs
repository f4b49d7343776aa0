using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>
/// Runs workflow steps against the VM records and hypervisor nodes. Every step re-checks reality first,
/// so running it twice (after a crash) does no harm.
/// </summary>
public sealed class StepRunner(IActorRef vms, IActorRef nodes, ClusterTopology topology, StepTimeouts timeouts)
{
    public ClusterTopology Topology => topology;

    public async Task<StepResult> Run(WorkflowStep step, string upid, IActorRef workflow)
    {
        switch (step)
        {
            case LockVm s:
                await Vm(new AcquireVmLock(s.VmId, s.Lock, upid, s.Node));
                return Done.Instance;
            case UnlockVm s:
                await Vm(new ReleaseVmLock(s.VmId, upid));
                return Done.Instance;
            case MoveVm s:
                await Vm(new MoveVmOwner(s.VmId, s.From, s.To, s.ConfigText, upid));
                return Done.Instance;
            case ReplaceConfig s:
                await Vm(new ReplaceVmConfig(s.VmId, s.ConfigText, upid));
                return Done.Instance;
            case EditConfig s:
                await Vm(new EditVmConfig(s.VmId, s.Node, s.Set, s.Delete, s.Digest, upid));
                return Done.Instance;
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
            case GatherMigrationFacts s:
                return await MigrationFacts(s);
            case GatherVmFacts s:
            {
                var vm = await VmQuery(s.VmId);
                var rt = await Node<VmRuntime>(new GetVmRuntime(s.Node, s.VmId));
                return new VmFacts(vm, rt);
            }
            case AllocateVolumes s:
                await Node<NodeDone>(new CreateNodeVolumes(s.Node, s.Volumes, ReplaceExisting: false));
                return Done.Instance;
            case DeleteVolumes { GoOnPastFailures: true } s:
                return await DeleteEach(s);
            case DeleteVolumes s:
                await Node<NodeDone>(new DeleteNodeVolumes(s.Node, s.Volids));
                return Done.Instance;
            case StartVm s:
                return new VmStarted(await Node<VmRuntime>(new StartNodeVm(s.Node, s.VmId, s.ConfigText, s.Incoming, s.Tag), timeouts.Start));
            case StopVm s:
                await Node<NodeDone>(new StopNodeVm(s.Node, s.VmId), timeouts.Start);
                return Done.Instance;
            case ShutdownVm s:
                await Node<NodeDone>(new ShutdownNodeVm(s.Node, s.VmId, s.TimeoutSeconds), TimeSpan.FromSeconds(s.TimeoutSeconds + 30));
                return Done.Instance;
            case ResumeVm s:
                await Node<NodeDone>(new ResumeNodeVm(s.Node, s.VmId));
                return Done.Instance;
            case StartMirrors s:
                await Node<NodeDone>(new StartNodeMirrors(s.Node, s.VmId, s.Jobs));
                return Done.Instance;
            case PollMirrors s:
                return new MirrorsPolled((await Node<NodeBlockJobs>(new QueryNodeBlockJobs(s.Node, s.VmId))).Jobs);
            case FinishMirrors s:
                await Node<NodeDone>(new FinishNodeMirrors(s.Node, s.VmId, s.Drives, s.Pivot), timeouts.Start);
                return Done.Instance;
            case StopNbd s:
                await Node<NodeDone>(new StopNodeNbd(s.Node, s.VmId));
                return Done.Instance;
            case StartMigration s:
                await Node<NodeDone>(new StartNodeMigration(s.Node, s.VmId, s.Spec));
                return Done.Instance;
            case PollMigration s:
                return new MigrationPolled(await Node<MigrationProgress>(new QueryNodeMigration(s.Node, s.VmId, s.PollDelay), timeouts.Default + s.PollDelay));
            case CancelMigration s:
                await Node<NodeDone>(new CancelNodeMigration(s.Node, s.VmId));
                return Done.Instance;
            case TransferConntrack s:
            {
                var dump = await Node<NodeConntrack>(new DumpNodeConntrack(s.Source, s.VmId));
                var loaded = await Node<NodeCount>(new LoadNodeConntrack(s.Target, s.VmId, dump.Entries));
                await Node<NodeCount>(new FlushNodeConntrack(s.Source, s.VmId));
                return new ConntrackMoved(loaded.Count);
            }
            case CopyDisk s:
                await CopyDisk(s, workflow);
                return Done.Instance;
            case ConvertDisk s:
            {
                // A retry starts over: remove what a crashed attempt left behind.
                await Node<NodeDone>(new DeleteNodeVolumes(s.Node, [s.DstVolid]));
                await Node<NodeDone>(new ConvertNodeVolume(s.Node, s.SrcVolid, s.DstVolid, s.Format, s.Snapshot, s.BwLimitKiB, workflow), timeouts.Copy);
                return await Ready(s.Node, s.DstVolid);
            }
            case GatherCloneFacts s:
                return await CloneFacts(s);
            case RenameVolume s:
                await Node<NodeDone>(new RenameNodeVolume(s.Node, s.From, s.To, s.ReadOnly));
                return Done.Instance;
            case SnapshotVolumes s:
                foreach (var v in s.Volids)
                    await Node<NodeDone>(new SnapshotNodeVolume(s.Node, v, s.Name, s.Action), timeouts.Copy);
                return Done.Instance;
            case MirrorToVolumes s:
            {
                var jobs = new List<MirrorJob>();
                foreach (var m in s.Mirrors)
                {
                    var info = (await Node<NodeVolume>(new GetNodeVolume(s.Node, m.DstVolid))).Volume
                        ?? throw new NodeOperationException($"volume '{m.DstVolid}' does not exist");
                    jobs.Add(new MirrorJob(m.Drive, new MirrorTarget(info.Path, m.Format, s.BwLimitKiB * 1024)));
                }
                await Node<NodeDone>(new StartNodeMirrors(s.Node, s.VmId, jobs));
                return Done.Instance;
            }
            case BackupVm s:
                await Node<NodeDone>(new DeleteNodeVolumes(s.Node, [s.ArchiveVolid]));
                await Node<NodeDone>(new BackupNodeVm(s.Node, s.ArchiveVolid, s.ConfigText,
                    s.Disks.Select(d => new BackupDrive(d.Drive, d.Volid)).ToList(), workflow), timeouts.Copy);
                return Done.Instance;
            case RestoreDisk s:
            {
                await Node<NodeDone>(new DeleteNodeVolumes(s.Node, [s.DstVolid]));
                await Node<NodeDone>(new RestoreNodeDisk(s.Node, s.ArchiveVolid, s.Drive, s.DstVolid, s.Format, workflow), timeouts.Copy);
                return await Ready(s.Node, s.DstVolid);
            }
            case Noop:
                return Done.Instance;
            default:
                throw new StepRefusedException($"no runner for step {step.GetType().Name}");
        }
    }

    private async Task CopyDisk(CopyDisk s, IActorRef workflow)
    {
        // A retry starts from a fresh target volume, so a half copy never survives.
        NbdExport export;
        if (s.WithSnapshots)
        {
            // The file itself travels (qcow2 internal snapshots with it): the target is an empty file of its length.
            var src = (await Node<NodeVolume>(new GetNodeVolume(s.SourceNode, s.SrcVolid))).Volume
                ?? throw new NodeOperationException($"volume '{s.SrcVolid}' does not exist");
            var length = src.FileLength ?? throw new NodeOperationException($"unable to determine the file size of '{s.SrcVolid}'");
            export = await Node<NbdExport>(new ExportNodeVolume(s.TargetNode, s.DstVolid, Writable: true, FileLength: length));
        }
        else
        {
            await Node<NodeDone>(new CreateNodeVolumes(s.TargetNode, [new VolumeAlloc(s.DstVolid, s.Format, s.SizeBytes)], ReplaceExisting: true));
            export = await Node<NbdExport>(new ExportNodeVolume(s.TargetNode, s.DstVolid, Writable: true));
        }
        try
        {
            await Node<NodeDone>(new CopyNodeVolumeToNbd(s.SourceNode, s.SrcVolid, export.Uri, s.BwLimitKiB, workflow, File: s.WithSnapshots), timeouts.Copy);
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
    private async Task<List<VolumeInfo>> LocalVolumes(string node, VmSnapshot vm)
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

    private async Task<VolumesDeleted> DeleteEach(DeleteVolumes s)
    {
        var failed = new List<VolumeDeleteFailure>();
        foreach (var volid in s.Volids)
        {
            try
            {
                await Node<NodeDone>(new DeleteNodeVolumes(s.Node, [volid]));
            }
            catch (NodeOperationException e)
            {
                failed.Add(new VolumeDeleteFailure(volid, e.Message));
            }
        }
        return new VolumesDeleted(failed);
    }

    /// <summary>The target's facts and the VM's volumes already on it; no facts when it does not answer.</summary>
    private async Task<(NodeFacts?, List<string>)> TargetFacts(GatherMigrationFacts s)
    {
        var targetVolumes = new List<string>();
        if (!topology.ClusterNodes.Contains(s.Target) || s.Target == s.Source) return (null, targetVolumes);
        try
        {
            var facts = Node<NodeFacts>(new GetNodeFacts(s.Target), timeouts.Facts);
            var lists = topology.Storage.On(s.Target).Where(x => x.HasContent("images") && !x.Shared)
                .Select(st => Node<NodeVolumes>(new ListNodeVolumes(s.Target, st.Id, s.VmId))).ToList();
            var target = await facts;
            foreach (var l in lists) targetVolumes.AddRange((await l).Volumes.Select(v => v.VolId));
            return (target, targetVolumes);
        }
        catch (Exception e) when (e is AskTimeoutException or NodeOperationException)
        {
            return (null, []);
        }
    }

    /// <summary>A volume a step just wrote, as qemu-img info sees it.</summary>
    private async Task<VolumeReady> Ready(string node, string volid) =>
        new((await Node<NodeVolume>(new GetNodeVolume(node, volid))).Volume
            ?? throw new NodeOperationException($"volume '{volid}' missing after it was written"));

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

    private async Task<VmSnapshot> Vm(IVmCommand cmd)
    {
        var reply = await vms.Ask<VmReply>(cmd, timeouts.Default);
        return reply.Ok ? reply.Vm! : throw new StepRefusedException(reply.Error!);
    }

    private Task<VmSnapshot> VmQuery(int vmid) => Vm(new GetVm(vmid));

    private Task<T> Node<T>(INodeCommand cmd, TimeSpan? timeout = null) =>
        nodes.Ask<T>(cmd, timeout ?? timeouts.Default);
}

public sealed record StepTimeouts(TimeSpan Default, TimeSpan Start, TimeSpan Copy, TimeSpan Facts)
{
    public static readonly StepTimeouts Standard = new(
        TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120), TimeSpan.FromHours(24), TimeSpan.FromSeconds(10));
}
