using ActorMigration.Actors.Cluster;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;
using Akka.Actor;
using Akka.Event;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// One hypervisor node: owns its QEMU processes, local volumes and conntrack through the node driver.
/// Not persistent: on start it re-adopts the VMs its run directory knows about.
/// </summary>
public sealed class HypervisorNodeActor : ReceiveActor
{
    public const string TypeName = "hypervisor-node";

    private readonly string _node;
    private readonly ClusterTopology _topology;
    private readonly INodeDriverFactory _factory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private INodeDriver _driver = null!;

    public static Props Props(string node, ClusterTopology topology, INodeDriverFactory factory) =>
        Akka.Actor.Props.Create(() => new HypervisorNodeActor(node, topology, factory));

    public HypervisorNodeActor(string node, ClusterTopology topology, INodeDriverFactory factory)
    {
        _node = node;
        _topology = topology;
        _factory = factory;

        Receive<GetNodeFacts>(_ => Run(() => _driver.GetFactsAsync()));
        Receive<ListNodeVms>(_ => Run(async () => new NodeVms(_node, await _driver.Hypervisor.DiscoverAsync())));
        Receive<GetVmRuntime>(m => Run(() => _driver.Hypervisor.GetAsync(m.VmId)));
        Receive<StartNodeVm>(m => Io(() => StartVm(m)));
        Receive<StopNodeVm>(m => Run(() => _driver.Hypervisor.StopAsync(m.VmId)));
        Receive<ShutdownNodeVm>(m => Run(() => _driver.Hypervisor.ShutdownAsync(m.VmId, TimeSpan.FromSeconds(m.TimeoutSeconds))));
        Receive<PauseNodeVm>(m => Run(() => _driver.Hypervisor.PauseAsync(m.VmId)));
        Receive<ResumeNodeVm>(m => Run(() => _driver.Hypervisor.ResumeAsync(m.VmId)));
        Receive<StartNodeMigration>(m => Run(() => StartMigration(m)));
        Receive<QueryNodeMigration>(m => Run(() => _driver.Hypervisor.WaitMigrationAsync(m.VmId, m.MaxWait)));
        Receive<CancelNodeMigration>(m => Run(() => _driver.Hypervisor.CancelMigrationAsync(m.VmId)));
        Receive<StartNodeMirrors>(m => Run(() => StartMirrors(m)));
        Receive<QueryNodeBlockJobs>(m => Run(async () => new NodeBlockJobs(await _driver.Hypervisor.QueryBlockJobsAsync(m.VmId))));
        Receive<FinishNodeMirrors>(m => Run(() => FinishMirrors(m)));
        Receive<StopNodeNbd>(m => Run(() => _driver.Hypervisor.StopNbdServerAsync(m.VmId)));
        Receive<QueryNodeVmGenId>(m => Run(async () => new NodeVmGenId(await _driver.Hypervisor.QueryVmGenIdAsync(m.VmId))));
        Receive<CreateNodeVolumes>(m => Io(() => CreateVolumes(m)));
        Receive<DeleteNodeVolumes>(m => Io(() => DeleteVolumes(m)));
        Receive<GetNodeVolume>(m => Io(async () => new NodeVolume(await _driver.Storage.InfoAsync(m.Volid))));
        Receive<ListNodeVolumes>(m => Io(async () => new NodeVolumes(await _driver.Storage.ListAsync(m.Storage, m.VmId))));
        Receive<RenameNodeVolume>(m => Io(() => Rename(m)));
        Receive<ExportNodeVolume>(m => Io(() => m.FileLength is { } length
            ? _driver.Storage.ExportFileAsync(m.Volid, length)
            : _driver.Storage.ExportAsync(m.Volid, m.Writable)));
        Receive<CloseNodeExport>(m => Io(() => _driver.Storage.CloseExportAsync(m.ExportId)));
        Receive<CopyNodeVolumeToNbd>(m => Io(() => m.File
            ? _driver.Storage.CopyFileToNbdAsync(m.Volid, m.NbdUri, m.BwLimitKiB, Progress(m.ProgressTo))
            : _driver.Storage.CopyToNbdAsync(m.Volid, m.NbdUri, m.BwLimitKiB, Progress(m.ProgressTo))));
        Receive<ConvertNodeVolume>(m => Io(() =>
            _driver.Storage.ConvertAsync(m.SrcVolid, m.DstVolid, m.Format, m.Snapshot, m.BwLimitKiB, Progress(m.ProgressTo))));
        Receive<SnapshotNodeVolume>(m => Io(() => Snapshot(m)));
        Receive<BackupNodeVm>(m => Io(() => _driver.Storage.CreateBackupAsync(m.BackupVolid, m.ConfigText,
            m.Disks.Select(d => (d.Drive, d.Volid)).ToList(), Progress(m.ProgressTo))));
        Receive<ReadNodeBackup>(m => Io(async () =>
        {
            var b = await _driver.Storage.ReadBackupAsync(m.BackupVolid);
            return new NodeBackupManifest(b.ConfigText, b.Disks);
        }));
        Receive<RestoreNodeDisk>(m => Io(() => _driver.Storage.RestoreDiskAsync(m.BackupVolid, m.Drive, m.DstVolid, m.Format, Progress(m.ProgressTo))));
        Receive<ReadNodeText>(m => Io(async () => new NodeText(await _driver.Storage.ReadTextAsync(m.Volid))));
        Receive<DumpNodeConntrack>(m => Run(async () => new NodeConntrack(await _driver.Conntrack.DumpAsync(m.VmId))));
        Receive<LoadNodeConntrack>(m => Run(async () => new NodeCount(await _driver.Conntrack.LoadAsync(m.VmId, m.Entries))));
        Receive<FlushNodeConntrack>(m => Run(async () => new NodeCount(await _driver.Conntrack.FlushAsync(m.VmId))));
    }

    protected override void PreStart()
    {
        _driver = _factory.Create(_topology.SettingsFor(_node));
        var self = Self;
        _driver.Hypervisor.DiscoverAsync().ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
                _log.Info("Node {0} started with driver {1}, re-adopted {2} running VMs", _node, _factory.Name, t.Result.Count);
            else
                _log.Warning("Node {0}: discovery failed: {1}", _node, t.Exception?.GetBaseException().Message);
        });
    }

    protected override void PostStop()
    {
        // Disposing the driver closes QMP connections; VMs keep running.
        _driver.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
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

    private async Task<VmRuntime> StartVm(StartNodeVm m)
    {
        var cfg = QmConfig.Parse(m.ConfigText);
        if (m.Incoming is null) await CloudInitStart.ApplyAsync(_driver.Storage, m.VmId, cfg);
        var resolved = new Dictionary<string, (string, string, long)>();
        foreach (var (_, d) in Drives.All(cfg.Main, includeUnused: false))
        {
            if (d.Volume is null || resolved.ContainsKey(d.File)) continue;
            var info = await _driver.Storage.InfoAsync(d.File)
                ?? throw new NodeOperationException($"volume '{d.File}' does not exist");
            resolved[d.File] = (info.Path, info.Format, info.VirtualSize);
        }
        var spec = VmLaunchSpec.FromConfig(m.VmId, cfg, volid => resolved[volid]) with { Incoming = m.Incoming, Tag = m.Tag };
        return await _driver.Hypervisor.StartAsync(spec);
    }

    private async Task StartMigration(StartNodeMigration m)
    {
        var current = await _driver.Hypervisor.QueryMigrationAsync(m.VmId);
        if (current.Status is MigrationState.Setup or MigrationState.Active or MigrationState.Device
            or MigrationState.PreSwitchover or MigrationState.Completed)
            return;
        await _driver.Hypervisor.StartMigrationAsync(m.VmId, m.Spec);
    }

    private async Task StartMirrors(StartNodeMirrors m)
    {
        var running = (await _driver.Hypervisor.QueryBlockJobsAsync(m.VmId)).Select(j => j.Device).ToHashSet();
        foreach (var job in m.Jobs.Where(j => !running.Contains(j.Drive) && !running.Contains($"drive-{j.Drive}")))
            await _driver.Hypervisor.StartMirrorAsync(m.VmId, job.Drive, job.Target);
    }

    private async Task FinishMirrors(FinishNodeMirrors m)
    {
        var jobs = (await _driver.Hypervisor.QueryBlockJobsAsync(m.VmId)).Select(j => j.Device).ToHashSet();
        foreach (var d in m.Drives.Where(d => jobs.Contains(d) || jobs.Contains($"drive-{d}")))
            await _driver.Hypervisor.FinishMirrorAsync(m.VmId, d, m.Pivot);
    }

    private async Task CreateVolumes(CreateNodeVolumes m)
    {
        foreach (var v in m.Volumes)
        {
            var existing = await _driver.Storage.InfoAsync(v.Volid);
            if (existing is not null)
            {
                if (!m.ReplaceExisting && existing.VirtualSize == v.SizeBytes) continue;
                await _driver.Storage.DeleteAsync(v.Volid);
            }
            await _driver.Storage.CreateAsync(v.Volid, v.Format, v.SizeBytes, v.BackingVolid);
        }
    }

    private async Task DeleteVolumes(DeleteNodeVolumes m)
    {
        foreach (var v in m.Volids) await _driver.Storage.DeleteAsync(v);
    }

    private async Task Rename(RenameNodeVolume m)
    {
        // From == To only sets the read-only flag (a restored template's base volumes).
        if (m.From == m.To && await _driver.Storage.InfoAsync(m.To) is null)
            throw new NodeOperationException($"volume '{m.To}' does not exist");
        if (m.From != m.To && await _driver.Storage.InfoAsync(m.From) is not null)
            await _driver.Storage.RenameAsync(m.From, m.To);
        else if (await _driver.Storage.InfoAsync(m.To) is null)
            throw new NodeOperationException($"volume '{m.From}' does not exist");
        await _driver.Storage.SetReadOnlyAsync(m.To, m.ReadOnly);
    }

    /// <summary>Idempotent: creating an existing snapshot or deleting a missing one does nothing.</summary>
    private async Task Snapshot(SnapshotNodeVolume m)
    {
        var info = await _driver.Storage.InfoAsync(m.Volid) ?? throw new NodeOperationException($"volume '{m.Volid}' does not exist");
        var has = info.Snapshots?.Contains(m.Name) == true;
        switch (m.Action)
        {
            case "create" when !has:
                await _driver.Storage.SnapshotCreateAsync(m.Volid, m.Name);
                break;
            case "rollback":
                if (!has) throw new NodeOperationException($"snapshot '{m.Name}' does not exist on '{m.Volid}'");
                await _driver.Storage.SnapshotRollbackAsync(m.Volid, m.Name);
                break;
            case "delete" when has:
                await _driver.Storage.SnapshotDeleteAsync(m.Volid, m.Name);
                break;
            case "create" or "delete":
                break;
            default:
                throw new NodeOperationException($"unknown snapshot action '{m.Action}'");
        }
    }
}
