using ActorMigration.Actors.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Node;
using ActorMigration.Drivers.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// One hypervisor node: owns its QEMU processes, local volumes and conntrack through the node driver.
/// A dispatcher: workflow steps go to <see cref="NodeOperations"/>, plain reads to the driver; errors come back with
/// host paths redacted. Not persistent: on start it re-adopts the VMs its run directory knows about.
/// A command that changes something and comes past its deadline (<see cref="StepStamp"/>) is dropped unanswered.
/// </summary>
public sealed class HypervisorNodeActor : ReceiveActor, IWithTimers
{
    private readonly string _node;
    private readonly ClusterTopology _topology;
    private readonly INodeDriverFactory _factory;
    private readonly IActorRef _vms;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private INodeDriver _driver = null!;
    private NodeOperations _operations = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="vms">The VM record region: re-adopted VMs that wait for a workflow are checked against their record.</param>
    /// <param name="time">The clock that deadlines are checked against; the system's when null.</param>
    public static Props Props(string node, ClusterTopology topology, INodeDriverFactory factory, IActorRef vms, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        return Akka.Actor.Props.Create(() => new HypervisorNodeActor(node, topology, factory, vms, clock));
    }

    public HypervisorNodeActor(string node, ClusterTopology topology, INodeDriverFactory factory, IActorRef vms, TimeProvider time)
    {
        _node = node;
        _topology = topology;
        _factory = factory;
        _vms = vms;
        _time = time;

        Receive<GetNodeFacts>(_ => Run(() => _driver.GetFactsAsync()));
        Receive<ListNodeVms>(_ => Run(async () => new NodeVms(_node, await _driver.Hypervisor.DiscoverAsync())));
        Receive<GetVmRuntime>(m => Run(() => _driver.Hypervisor.GetAsync(m.VmId)));
        Receive<QueryNodeVmGenId>(m => Run(async () => new NodeVmGenId(await _driver.Hypervisor.QueryVmGenIdAsync(m.VmId))));
        Receive<QueryNodeGuestAgent>(m => Io(() => AskGuestAgent(m)));
        Receive<NodeStep>(m => Stamped(m, () => _operations.Run(m.Step, Progress(m.ProgressTo))));
        Receive<CreateNodeVolumes>(m => Stamped(m, () => Done(_operations.CreateVolumes(m.Volumes, m.ReplaceExisting))));
        Receive<WriteNodeCloudInit>(m => Stamped(m, () => Done(_operations.WriteCloudInit(m.VmId, m.ConfigText))));
        Receive<GetNodeVolume>(m => Io(async () => new NodeVolume(await _driver.Storage.InfoAsync(m.Volid))));
        Receive<ListNodeVolumes>(m => Io(async () => new NodeVolumes(await _driver.Storage.ListAsync(m.Storage, m.VmId))));
        Receive<ExportNodeVolume>(m => Stamped(m, () => m.FileLength is { } length
            ? _driver.Storage.ExportFileAsync(m.Volid, length)
            : _driver.Storage.ExportAsync(m.Volid, m.Writable)));
        Receive<CloseNodeExport>(m => Io(() => _driver.Storage.CloseExportAsync(m.ExportId)));
        Receive<CopyNodeVolumeToNbd>(m => Stamped(m, () => Done(m.File
            ? _driver.Storage.CopyFileToNbdAsync(m.Volid, m.NbdUri, m.BwLimitKiB, Progress(m.ProgressTo))
            : _driver.Storage.CopyToNbdAsync(m.Volid, m.NbdUri, m.BwLimitKiB, Progress(m.ProgressTo)))));
        Receive<ReadNodeBackup>(m => Io(async () =>
        {
            var b = await _driver.Storage.ReadBackupAsync(m.BackupVolid);
            return new NodeBackupManifest(b.ConfigText, b.Disks);
        }));
        Receive<ReadNodeText>(m => Io(async () => new NodeText(await _driver.Storage.ReadTextAsync(m.Volid))));
        Receive<DumpNodeConntrack>(m => Run(async () => new NodeConntrack(await _driver.Conntrack.DumpAsync(m.VmId))));
        Receive<LoadNodeConntrack>(m => Stamped(m, async () => new NodeCount(await _driver.Conntrack.LoadAsync(m.VmId, m.Entries))));
        Receive<FlushNodeConntrack>(m => Stamped(m, async () => new NodeCount(await _driver.Conntrack.FlushAsync(m.VmId))));
        Receive<GetNodeUsage>(_ => Io(async () => new NodeUsage(_node, await _driver.Hypervisor.UsageAsync())));
        Receive<GetNodeStatus>(_ => Run(() => _driver.GetStatusAsync()));
        Receive<GetNodeStorageSpace>(m => Io(async () => new NodeStorageSpaces(await _operations.StorageSpaces(m.Storages))));
        Receive<ListNodeStorageContent>(m => Io(async () => new NodeStorageContent(await _operations.StorageContent(m.Storage, m.VmId))));
        Receive<CheckStrays>(OnCheckStrays);
        Receive<StraysChecked>(OnStraysChecked);
    }

    /// <summary>
    /// Re-adopted VMs (waiting for a workflow or running), and the local volumes, checked against their records (see
    /// NodeOperations.StopStrays and RemoveLeftoverVolumes); VMs whose record a workflow still locks are asked again.
    /// </summary>
    private sealed record CheckStrays(IReadOnlyList<int> VmIds, int Failures);

    private sealed record StraysChecked(CheckStrays Request, StrayCheck? Vms, StrayCheck? Volumes, string? Error);

    private void OnCheckStrays(CheckStrays m)
    {
        var (vms, ops, node) = (_vms, _operations, _node);
        var local = _topology.Storage.LocalImagesOn(node).Select(st => st.Id).ToList();
        async Task<VmOwnership> RecordOf(int vmid)
        {
            var reply = await vms.Ask<VmReply>(new GetVm(vmid), StrayAskTimeout);
            if (!reply.Ok) throw new InvalidOperationException(reply.Error);
            return new VmOwnership(reply.Vm!.Exists ? reply.Vm.Node : null, reply.Vm.Lock is not null);
        }
        Task.Run(async () =>
        {
            var stopped = await ops.StopStrays(node, m.VmIds, RecordOf);
            var removed = await ops.RemoveLeftoverVolumes(node, local, RecordOf);
            return new StraysChecked(m, stopped, removed, null);
        }).PipeTo(Self, success: r => r,
            failure: e => new StraysChecked(m, null, null, e.GetBaseException().Message));
    }

    private void OnStraysChecked(StraysChecked m)
    {
        foreach (var (vmid, what) in m.Vms?.Done ?? [])
            _log.Warning("Node {0}: VM {1}, re-adopted but not this node's to run, {2}", _node, vmid, what);
        foreach (var (vmid, volid) in m.Volumes?.Done ?? [])
            _log.Warning("Node {0}: removed volume {1} left by a migration of VM {2}, whose record is on another node", _node, volid, vmid);
        if (m.Error is not null)
        {
            // Records answer once the member is in its cluster: asked again with a growing pause, one warning at first.
            if (m.Request.Failures == 0)
                _log.Warning("Node {0}: cannot check re-adopted VMs and local volumes against their records yet: {1}", _node, m.Error);
            var pause = TimeSpan.FromSeconds(Math.Min(60, StrayRecheck.TotalSeconds * Math.Pow(2, m.Request.Failures)));
            Timers.StartSingleTimer("strays", m.Request with { Failures = m.Request.Failures + 1 }, pause);
        }
        else if (m.Vms!.Undecided.Count > 0 || m.Volumes!.Undecided.Count > 0)
            Timers.StartSingleTimer("strays", new CheckStrays(m.Vms.Undecided, 0), StrayRecheck);
    }

    private static readonly TimeSpan StrayAskTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StrayRecheck = TimeSpan.FromSeconds(2);

    protected override void PreStart()
    {
        _driver = _factory.Create(_topology.SettingsFor(_node));
        _operations = new NodeOperations(_driver);
        var self = Self;
        _driver.Hypervisor.DiscoverAsync().ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                _log.Info("Node {0} started with driver {1}, re-adopted {2} running VMs", _node, _factory.Name, t.Result.Count);
                self.Tell(new CheckStrays(t.Result.Where(v => v.IsAlive).Select(v => v.VmId).ToList(), 0));
            }
            else
                _log.Warning("Node {0}: discovery failed: {1}", _node, t.Exception?.GetBaseException().Message);
        });
    }

    protected override void PostStop()
    {
        // Disposing the driver closes QMP connections; VMs keep running.
        _driver.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    /// <summary>The agent may not answer for seconds: it waits on the thread pool, never on this actor's thread.</summary>
    private async Task<NodeGuestAgent> AskGuestAgent(QueryNodeGuestAgent m)
    {
        try
        {
            return new NodeGuestAgent(await _driver.Hypervisor.GuestAgentAsync(m.VmId, m.Command, m.Timeout));
        }
        catch (GuestAgentNotRunningException)
        {
            return new NodeGuestAgent(null);
        }
    }

    private void Run<T>(Func<Task<T>> op) where T : notnull =>
        Guard(op).PipeTo(Sender, success: r => r, failure: Fail);

    private void Run(Func<Task> op) =>
        Guard(async () => { await op(); return NodeDone.Instance; }).PipeTo(Sender, success: r => r, failure: Fail);

    /// <summary>
    /// Work on files named by users (volumes, imports, archives) runs on the thread pool, never on this actor's
    /// thread: a slow or stuck file never delays the node's other requests (status, the VMs' runtime).
    /// </summary>
    private void Io<T>(Func<Task<T>> op) where T : notnull => Run(() => Task.Run(op));

    private void Io(Func<Task> op) => Run(() => Task.Run(op));

    /// <summary>
    /// A command that changes something, run on the thread pool as <see cref="Io{T}"/>; dropped without an answer when it
    /// arrives past its deadline, or when its deadline passes while it waits for a thread.
    /// </summary>
    private void Stamped<T>(IStampedNodeCommand command, Func<Task<T>> op) where T : class
    {
        if (Late(command)) return;
        var sender = Sender;
        Guard(() => Task.Run(async () => Late(command) ? null : await op())).ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully) sender.Tell(Fail(t.Exception!));
            else if (t.Result is { } result) sender.Tell(result);
        }, TaskScheduler.Default);
    }

    private static async Task<NodeDone> Done(Task op)
    {
        await op;
        return NodeDone.Instance;
    }

    /// <summary>Past its deadline: logged once, as the step and attempt that sent it and how late it is.</summary>
    private bool Late(IStampedNodeCommand command)
    {
        if (command.Stamp is not { } stamp) return false;
        var late = _time.GetUtcNow() - stamp.Deadline;
        if (late <= TimeSpan.Zero) return false;
        _log.Warning("Node {Node}: dropped stale {Command} of {Upid} step {Step} attempt {Attempt}: {LateMs} ms past its deadline",
            _node, command.GetType().Name, stamp.Upid, stamp.StepKey, stamp.Attempt, (long)late.TotalMilliseconds);
        return true;
    }

    private static async Task<T> Guard<T>(Func<Task<T>> op)
    {
        try
        {
            return await op();
        }
        catch (NodeOperationException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new NodeOperationException(e.GetBaseException().Message);
        }
    }

    /// <summary>The client sees the error without host paths (volume ids instead); the log keeps the full text.</summary>
    private Status.Failure Fail(Exception e)
    {
        var root = e is AggregateException a ? a.GetBaseException() : e;
        _log.Warning("Node {0}: {1}", _node, root.Message);
        return new Status.Failure(new NodeOperationException(HostPaths.Redact(root.Message, _driver.Settings)));
    }

    private static IProgress<CopyProgress>? Progress(IActorRef? to) =>
        to is null ? null : new Progress<CopyProgress>(p => to.Tell(new NodeCopyProgress(p.DoneBytes, p.TotalBytes)));
}
