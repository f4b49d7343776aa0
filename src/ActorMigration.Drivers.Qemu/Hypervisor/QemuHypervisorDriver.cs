using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Qmp;
using ActorMigration.Drivers.Qemu.Util;
using Serilog;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// Real QEMU processes of one node. Each VM lives in &lt;RunDir&gt;/qemu/&lt;vmid&gt;/ (pidfile, QMP socket,
/// serial socket + log, meta.json) and is daemonized, so it outlives this process; a new instance re-adopts it.
/// </summary>
public sealed class QemuHypervisorDriver : IHypervisorDriver, IAsyncDisposable
{
    private static readonly HashSet<string> LoggedEvents =
        ["MIGRATION", "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR", "STOP", "RESUME", "SHUTDOWN", "POWERDOWN", "GUEST_PANICKED"];

    private readonly NodeSettings _settings;
    private readonly QemuDriverOptions _options;
    private readonly PortAllocator _ports;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _vmLocks = new();
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _qmpLocks = new();
    private readonly ConcurrentDictionary<int, QmpClient> _qmp = new();
    // Completed by a MIGRATION event that ends the outgoing migration (completed, failed, cancelled).
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _migrationEnded = new();
    private readonly Lazy<Task<AcceleratorChoice>> _accel;

    public QemuHypervisorDriver(NodeSettings settings, QemuDriverOptions options, PortAllocator? ports = null)
    {
        _settings = settings;
        _options = options;
        _ports = ports ?? new PortAllocator(settings.Address, settings.PortRangeStart, settings.PortRangeEnd);
        _log = options.Log.ForContext<QemuHypervisorDriver>().ForContext("Node", settings.Node);
        _accel = new Lazy<Task<AcceleratorChoice>>(async () =>
        {
            var c = await AcceleratorProbe.GetAsync(_options);
            _log.Information("Accelerator for {Node}: {Accel} ({Reason})", _settings.Node, c.Accelerator, c.Reason);
            return c;
        });
        ReserveLivePorts();
    }

    public string Node => _settings.Node;

    public NodeSettings Settings => _settings;

    /// <summary>Run files of a VM on this node.</summary>
    public VmRunFiles FilesOf(int vmid) => new(_settings.RunDir, vmid);

    /// <summary>KVM or TCG, probed once per process.</summary>
    public Task<AcceleratorChoice> GetAcceleratorAsync() => _accel.Value;

    // ---- discovery / state -------------------------------------------------

    public async Task<IReadOnlyList<VmRuntime>> DiscoverAsync(CancellationToken ct = default)
    {
        var result = new List<VmRuntime>();
        foreach (var vmid in VmIdsOnDisk())
        {
            var gate = VmLock(vmid);
            await gate.WaitAsync(ct);
            try
            {
                var files = FilesOf(vmid);
                var meta = VmMetadata.Read(files.MetaFile);
                if (IsRunning(files, out var pid))
                {
                    if (meta is not null)
                        foreach (var port in meta.Ports()) _ports.Reserve(port);
                    var rt = await GetAsync(vmid, ct);
                    _log.Information("Re-adopted {VmId} on {Node}: pid {Pid}, {State}, tag {Tag}", vmid, Node, pid, rt.State, rt.Tag);
                    result.Add(rt);
                }
                else if (File.Exists(files.PidFile) || File.Exists(files.MetaFile))
                {
                    _log.Information("Cleaning stale run files of {VmId} on {Node}", vmid, Node);
                    await ForgetAsync(files, meta);
                }
            }
            finally
            {
                gate.Release();
            }
        }
        return result;
    }

    public async Task<VmRuntime> GetAsync(int vmid, CancellationToken ct = default)
    {
        var files = FilesOf(vmid);
        if (!IsRunning(files, out var pid)) return new VmRuntime(vmid, VmRunState.Stopped);
        var meta = VmMetadata.Read(files.MetaFile);
        VmRunState state;
        try
        {
            var st = await QmpAsync(vmid, "query-status", null, TimeSpan.FromSeconds(10), ct);
            state = QmpMapping.RunState(QmpMapping.Str(st, "status"));
        }
        catch (Exception e) when (e is IOException or TimeoutException or QmpException or VmNotRunningException or SocketException)
        {
            if (!IsRunning(files, out _)) return new VmRuntime(vmid, VmRunState.Stopped);
            _log.Warning("query-status of {VmId} on {Node} failed: {Error}", vmid, Node, e.Message);
            state = VmRunState.Other;
        }
        return new VmRuntime(vmid, state, pid, ProcessTools.UptimeSeconds(pid), meta?.IncomingUri, meta?.NbdUri,
            meta?.Tag, meta?.Machine, meta?.QemuVersion);
    }

    // ---- start / stop ------------------------------------------------------

    public async Task<VmRuntime> StartAsync(VmLaunchSpec spec, CancellationToken ct = default)
    {
        var vmid = spec.VmId;
        var gate = VmLock(vmid);
        await gate.WaitAsync(ct);
        try
        {
            var files = FilesOf(vmid);
            var old = VmMetadata.Read(files.MetaFile);
            if (IsRunning(files, out var runningPid))
            {
                if (spec.Tag is not null && old?.Tag == spec.Tag)
                {
                    _log.Information("{VmId} already runs on {Node} with tag {Tag} (pid {Pid})", vmid, Node, spec.Tag, runningPid);
                    return await GetAsync(vmid, ct);
                }
                throw new InvalidOperationException($"VM {vmid} is already running on {Node} (pid {runningPid}, tag {old?.Tag ?? "none"})");
            }
            await ForgetAsync(files, old);
            Directory.CreateDirectory(files.Dir);
            files.EnsureSocketPathsFit();

            var accel = (await GetAcceleratorAsync()).Accelerator;
            var machine = await MachineTypes.ResolveAsync(_options.QemuSystem, spec.Machine, ct);
            await Ovmf.PrepareAsync(spec, files, _options, _log, ct);
            var (meta, pid) = await Swtpm.AroundLaunchAsync(spec, files, _log, () => LaunchAsync(spec, files, machine, accel, ct), ct);
            try
            {
                var qmp = await GetQmpAsync(vmid, ct);
                meta = meta with { QemuVersion = qmp.QemuVersion };
                if (spec.Incoming is { NbdDrives.Count: > 0 } inc)
                    meta = await StartNbdAsync(vmid, qmp, inc, meta, ct);
                meta.Write(files.MetaFile);
            }
            catch
            {
                _log.Warning("Start of {VmId} on {Node} failed after launch; killing pid {Pid}", vmid, Node, pid);
                await ProcessTools.TerminateAsync(pid, files.Marker, TimeSpan.FromSeconds(2));
                await ForgetAsync(files, meta);
                throw;
            }
            _log.Information("Started {VmId} on {Node}: pid {Pid}, machine {Machine}, accel {Accel}, incoming {IncomingUri}, nbd {NbdUri}",
                vmid, Node, pid, machine, accel, meta.IncomingUri, meta.NbdUri);
            // A target started with -incoming waits in "inmigrate" by definition: no need to ask (a migration waits on this).
            if (spec.Incoming is not null)
                return new VmRuntime(vmid, VmRunState.InMigrate, pid, ProcessTools.UptimeSeconds(pid), meta.IncomingUri, meta.NbdUri,
                    meta.Tag, meta.Machine, meta.QemuVersion);
            return await GetAsync(vmid, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<(VmMetadata Meta, int Pid)> LaunchAsync(VmLaunchSpec spec, VmRunFiles files, string machine, string accel, CancellationToken ct)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            int? port = spec.Incoming is null ? null : _ports.Acquire();
            var incomingUri = port is { } p ? $"tcp:{UriHost(ListenHost(spec.Incoming))}:{p}" : null;
            var listenUri = port is { } lp ? $"tcp:{UriHost(ListenHost(spec.Incoming), forListen: true)}:{lp}" : null;
            var warnings = new List<string>();
            var args = QemuCommandLine.Build(new LaunchPlan(spec, files, machine, accel, listenUri, _options), warnings);
            foreach (var w in warnings) _log.Warning("{VmId} on {Node}: {Warning}", spec.VmId, Node, w);
            var meta = new VmMetadata
            {
                VmId = spec.VmId,
                Name = spec.Name,
                Tag = spec.Tag,
                Machine = machine,
                Accelerator = accel,
                IncomingUri = incomingUri,
                IncomingPort = port,
                VmGenId = spec.VmGenId,
                StartedAt = DateTimeOffset.UtcNow,
                CommandLine = [_options.QemuSystem, .. args]
            };
            meta.Write(files.MetaFile);
            _log.Debug("Launching {VmId} on {Node}: {CommandLine}", spec.VmId, Node, string.Join(' ', meta.CommandLine));
            var r = await ProcessRunner.RunAsync(_options.QemuSystem, args, _options.StartTimeout, ct: ct);
            var pid = ProcessTools.ReadPidFile(files.PidFile);
            if (r.ExitCode == 0 && pid is { } alive && ProcessTools.IsAlive(alive, files.Marker))
                return (meta, alive);

            if (pid is { } stray) await ProcessTools.TerminateAsync(stray, files.Marker, TimeSpan.FromSeconds(2));
            if (port is { } used) _ports.Release(used);
            files.Clean();
            var error = r.ErrorText;
            if (port is not null && attempt < attempts && error.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                _log.Warning("Incoming port {Port} of {VmId} on {Node} was taken; retrying", port, spec.VmId, Node);
                continue;
            }
            throw new InvalidOperationException($"QEMU for VM {spec.VmId} on {Node} failed to start (exit {r.ExitCode}): {error}");
        }
    }

    private async Task<VmMetadata> StartNbdAsync(int vmid, QmpClient qmp, IncomingSpec inc, VmMetadata meta, CancellationToken ct)
    {
        var host = ListenHost(inc);
        for (var attempt = 1; ; attempt++)
        {
            var port = _ports.Acquire();
            try
            {
                await qmp.ExecuteAsync("nbd-server-start", new JsonObject
                {
                    ["addr"] = new JsonObject
                    {
                        ["type"] = "inet",
                        ["data"] = new JsonObject { ["host"] = host, ["port"] = port.ToString() }
                    }
                }, ct: ct);
            }
            catch (QmpException e) when (attempt < 3 && e.Desc.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                _ports.Release(port);
                continue;
            }
            catch
            {
                _ports.Release(port);
                throw;
            }
            foreach (var drive in inc.NbdDrives)
            {
                await qmp.ExecuteAsync("nbd-server-add", new JsonObject
                {
                    ["device"] = QemuCommandLine.NodeName(drive),
                    ["writable"] = true
                }, ct: ct);
            }
            var uri = $"nbd:{UriHost(host)}:{port}";
            _log.Information("NBD server of {VmId} on {Node} at {NbdUri} exports {Drives}", vmid, Node, uri, inc.NbdDrives);
            return meta with { NbdUri = uri, NbdPort = port, NbdDrives = inc.NbdDrives.ToList() };
        }
    }

    public async Task StopAsync(int vmid, CancellationToken ct = default)
    {
        var gate = VmLock(vmid);
        await gate.WaitAsync(ct);
        try
        {
            await StopCoreAsync(vmid, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task StopCoreAsync(int vmid, CancellationToken ct)
    {
        var files = FilesOf(vmid);
        var meta = VmMetadata.Read(files.MetaFile);
        if (IsRunning(files, out var pid))
        {
            try
            {
                var qmp = await GetQmpAsync(vmid, ct);
                await qmp.ExecuteAsync("quit", null, TimeSpan.FromSeconds(5), ct);
            }
            catch (Exception e) when (e is IOException or TimeoutException or QmpException or SocketException or VmNotRunningException)
            {
                _log.Debug("quit of {VmId} on {Node}: {Error}", vmid, Node, e.Message);
            }
            if (!await ProcessTools.WaitExitAsync(pid, files.Marker, TimeSpan.FromSeconds(10), ct))
            {
                _log.Warning("{VmId} on {Node} ignored quit; killing pid {Pid}", vmid, Node, pid);
                await ProcessTools.TerminateAsync(pid, files.Marker, TimeSpan.FromSeconds(3), ct);
            }
            _log.Information("Stopped {VmId} on {Node} (pid {Pid})", vmid, Node, pid);
        }
        _migrationEnded.TryRemove(vmid, out _);
        await ForgetAsync(files, meta);
    }

    public async Task ShutdownAsync(int vmid, TimeSpan timeout, CancellationToken ct = default)
    {
        var gate = VmLock(vmid);
        await gate.WaitAsync(ct);
        try
        {
            var files = FilesOf(vmid);
            if (!IsRunning(files, out var pid))
            {
                await ForgetAsync(files, VmMetadata.Read(files.MetaFile));
                return;
            }
            try
            {
                await QmpAsync(vmid, "system_powerdown", null, TimeSpan.FromSeconds(5), ct);
            }
            catch (Exception e) when (e is IOException or TimeoutException or QmpException or SocketException)
            {
                _log.Warning("system_powerdown of {VmId} on {Node} failed: {Error}", vmid, Node, e.Message);
            }
            if (await ProcessTools.WaitExitAsync(pid, files.Marker, timeout, ct))
                _log.Information("{VmId} on {Node} powered down", vmid, Node);
            else
                _log.Warning("{VmId} on {Node} did not power down within {Timeout}; stopping hard", vmid, Node, timeout);
            await StopCoreAsync(vmid, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task PauseAsync(int vmid, CancellationToken ct = default)
    {
        var st = await QmpAsync(vmid, "query-status", null, null, ct);
        if (QmpMapping.Str(st, "status") == "running")
        {
            await QmpAsync(vmid, "stop", null, null, ct);
            _log.Information("Paused {VmId} on {Node}", vmid, Node);
        }
    }

    public async Task ResumeAsync(int vmid, CancellationToken ct = default)
    {
        // "cont" leaves a running VM as it is and makes one still loading its incoming state start once loaded;
        // the guest of a migration waits on this call, so no query-status round trip first.
        await QmpAsync(vmid, "cont", null, null, ct);
        _log.Information("Resumed {VmId} on {Node}", vmid, Node);
    }

    // ---- migration ---------------------------------------------------------

    public async Task StartMigrationAsync(int vmid, MigrationStartSpec spec, CancellationToken ct = default)
    {
        var files = FilesOf(vmid);
        var meta = VmMetadata.Read(files.MetaFile);
        // Only a VM this driver already sent somewhere can be migrating (QEMU itself refuses a second migrate).
        if (meta?.OutgoingUri is not null)
        {
            var cur = await QueryMigrationAsync(vmid, ct);
            var inFlight = cur.Status is MigrationState.Setup or MigrationState.Active or MigrationState.PreSwitchover or MigrationState.Device;
            if (meta.OutgoingUri == spec.Uri && (inFlight || cur.Status == MigrationState.Completed))
            {
                _log.Information("{VmId} on {Node} is already migrating to {Target} ({Status})", vmid, Node, spec.Uri, cur.Status);
                return;
            }
            if (inFlight)
                throw new InvalidOperationException($"VM {vmid} on {Node} is already migrating to {meta.OutgoingUri} ({cur.Status})");
        }
        await QmpAsync(vmid, "migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(
                new JsonObject { ["capability"] = "events", ["state"] = true },
                new JsonObject { ["capability"] = "auto-converge", ["state"] = spec.AutoConverge })
        }, null, ct);
        await QmpAsync(vmid, "migrate-set-parameters", new JsonObject
        {
            ["downtime-limit"] = spec.DowntimeLimitMs,
            ["max-bandwidth"] = spec.MaxBandwidthBytesPerSec is > 0 and var bw ? bw : _options.UnlimitedBandwidthBytesPerSec
        }, null, ct);
        // Recorded first, so that a query right after knows a stale incoming status is not this migration's.
        if (meta is not null) (meta with { OutgoingUri = spec.Uri }).Write(files.MetaFile);
        _migrationEnded[vmid] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await QmpAsync(vmid, "migrate", new JsonObject { ["uri"] = spec.Uri }, null, ct);
        _log.Information("Migrating {VmId} from {Node} to {Target} (bandwidth {Bandwidth}, downtime limit {DowntimeMs} ms, auto-converge {AutoConverge})",
            vmid, Node, spec.Uri, spec.MaxBandwidthBytesPerSec, spec.DowntimeLimitMs, spec.AutoConverge);
    }

    /// <summary>
    /// query-migrate of the outgoing migration. A VM that was itself migrated in reports its incoming
    /// "completed" (without RAM figures) until a new outgoing one has connected: that is shown as Setup once an
    /// outgoing migration was started, and as None before (there is no outgoing migration yet; "completed" there
    /// made the node skip the migrate command and the workflow stop the only running copy).
    /// </summary>
    public async Task<MigrationProgress> QueryMigrationAsync(int vmid, CancellationToken ct = default)
    {
        var raw = await QmpAsync(vmid, "query-migrate", null, null, ct);
        // QEMU sets "completed" before it computes total-time and downtime (migration_completion, then
        // migration_calculate_complete): a query in between reads 0 for both. Ask again for the real figures.
        for (var i = 0; i < 1000 && CompletedWithoutTimes(raw); i++)
        {
            await Task.Delay(1, ct);
            raw = await QmpAsync(vmid, "query-migrate", null, null, ct);
        }
        var p = QmpMapping.Migration(raw);
        if (p.Status == MigrationState.Completed && raw?["ram"] is null)
            return p with
            {
                Status = VmMetadata.Read(FilesOf(vmid).MetaFile) is { OutgoingUri: not null } ? MigrationState.Setup : MigrationState.None
            };
        return p;
    }

    public async Task<MigrationProgress> WaitMigrationAsync(int vmid, TimeSpan maxWait, CancellationToken ct = default)
    {
        // After a member restart there is no signal for a migration started before it: then this waits the full time.
        var known = _migrationEnded.TryGetValue(vmid, out var ended);
        if (known && maxWait > TimeSpan.Zero)
            await Task.WhenAny(ended!.Task, Task.Delay(maxWait, ct));
        ct.ThrowIfCancellationRequested();
        var p = await QueryMigrationAsync(vmid, ct);
        // A signal left from an earlier migration must not turn the next waits into a busy loop.
        if (known && ended!.Task.IsCompleted && !p.IsFinal) _migrationEnded.TryRemove(new(vmid, ended));
        return p;
    }

    private static bool CompletedWithoutTimes(JsonNode? raw) =>
        QmpMapping.Str(raw, "status") == "completed" && raw?["ram"] is not null && QmpMapping.Long(raw, "total-time") is null or 0;

    public async Task CancelMigrationAsync(int vmid, CancellationToken ct = default)
    {
        await QmpAsync(vmid, "migrate_cancel", null, null, ct);
        _log.Information("Cancelled migration of {VmId} on {Node}", vmid, Node);
    }

    // ---- block jobs / NBD ----------------------------------------------------

    public async Task StartMirrorAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct = default)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var jobs = await QueryBlockJobsAsync(vmid, ct);
        if (jobs.Any(j => j.Device == jobId))
        {
            _log.Information("Mirror of {Drive} of {VmId} on {Node} already runs", jobId, vmid, Node);
            return;
        }
        var node = await ResolveNodeAsync(vmid, jobId, ct);
        string targetName, format, mode;
        if (target.Target.StartsWith("nbd:", StringComparison.Ordinal) || target.Target.StartsWith("nbd+", StringComparison.Ordinal))
        {
            targetName = target.Target.Contains("exportname=", StringComparison.Ordinal) || target.Target.StartsWith("nbd+", StringComparison.Ordinal)
                ? target.Target
                : $"{target.Target}:exportname={QemuCommandLine.NodeName(jobId)}";
            if (!string.Equals(target.Format, "raw", StringComparison.OrdinalIgnoreCase))
                _log.Debug("NBD mirror target of {Drive} is written raw (asked {Format})", jobId, target.Format);
            format = "raw";
            mode = "existing";
        }
        else
        {
            targetName = ResolveLocalTarget(target.Target);
            format = target.Format;
            mode = File.Exists(targetName) ? "existing" : "absolute-paths";
        }
        var args = new JsonObject
        {
            ["job-id"] = jobId,
            ["device"] = node,
            ["target"] = targetName,
            ["format"] = format,
            ["sync"] = "full",
            ["mode"] = mode
        };
        if (target.BandwidthBytesPerSec is > 0 and var speed) args["speed"] = speed;
        await QmpAsync(vmid, "drive-mirror", args, null, ct);
        _log.Information("Mirroring {Drive} of {VmId} on {Node} to {Target} ({Mode})", jobId, vmid, Node, targetName, mode);
    }

    public async Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(int vmid, CancellationToken ct = default)
    {
        var r = await QmpAsync(vmid, "query-block-jobs", null, null, ct);
        return r is JsonArray a ? a.Where(j => j is not null).Select(j => QmpMapping.BlockJob(j!)).ToList() : [];
    }

    public async Task FinishMirrorAsync(int vmid, string drive, bool pivot, CancellationToken ct = default)
    {
        var jobId = QemuCommandLine.DriveKey(drive);
        var job = (await QueryBlockJobsAsync(vmid, ct)).FirstOrDefault(j => j.Device == jobId);
        if (job is null)
        {
            _log.Information("No mirror job {Drive} on {VmId} ({Node}); nothing to finish", jobId, vmid, Node);
            return;
        }
        if (pivot)
        {
            if (!job.Ready) throw new InvalidOperationException($"mirror {jobId} of VM {vmid} is not ready ({job.Offset}/{job.Length})");
            await QmpAsync(vmid, "block-job-complete", new JsonObject { ["device"] = jobId }, null, ct);
        }
        else
        {
            if (!job.Ready) _log.Warning("Cancelling mirror {Drive} of {VmId} before it was ready: the target is incomplete", jobId, vmid);
            await QmpAsync(vmid, "block-job-cancel", new JsonObject { ["device"] = jobId }, null, ct);
        }
        var deadline = DateTime.UtcNow + _options.BlockJobFinishTimeout;
        while (true)
        {
            var cur = (await QueryBlockJobsAsync(vmid, ct)).FirstOrDefault(j => j.Device == jobId);
            if (cur is null) break;
            if (cur.Error is { } err) throw new InvalidOperationException($"mirror {jobId} of VM {vmid} failed: {err}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"mirror {jobId} of VM {vmid} did not finish within {_options.BlockJobFinishTimeout}");
            await Task.Delay(100, ct);
        }
        _log.Information("Mirror {Drive} of {VmId} on {Node} finished ({How})", jobId, vmid, Node, pivot ? "pivot" : "cancel, source kept");
    }

    public async Task StopNbdServerAsync(int vmid, CancellationToken ct = default)
    {
        try
        {
            await QmpAsync(vmid, "nbd-server-stop", null, null, ct);
            _log.Information("Stopped NBD server of {VmId} on {Node}", vmid, Node);
        }
        catch (QmpException e) when (e.Desc.Contains("not running", StringComparison.OrdinalIgnoreCase))
        {
        }
        var files = FilesOf(vmid);
        if (VmMetadata.Read(files.MetaFile) is { NbdPort: { } port } meta)
        {
            _ports.Release(port);
            (meta with { NbdPort = null, NbdUri = null }).Write(files.MetaFile);
        }
    }

    public async Task<string?> QueryVmGenIdAsync(int vmid, CancellationToken ct = default)
    {
        try
        {
            return QmpMapping.Str(await QmpAsync(vmid, "query-vm-generation-id", null, null, ct), "guid");
        }
        catch (QmpException)
        {
            return null;
        }
    }

    // ---- serial console ----------------------------------------------------

    public string SerialLogPath(int vmid) => FilesOf(vmid).SerialLog;

    /// <summary>The serial output so far ("" if none).</summary>
    public string ReadSerialLog(int vmid)
    {
        try
        {
            using var fs = new FileStream(SerialLogPath(vmid), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(fs, Encoding.UTF8);
            return r.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
        catch (DirectoryNotFoundException)
        {
            return "";
        }
    }

    /// <summary>Types one line into the guest's serial console.</summary>
    public async Task SendSerialLineAsync(int vmid, string line, CancellationToken ct = default)
    {
        var files = FilesOf(vmid);
        if (!IsRunning(files, out _)) throw new VmNotRunningException(vmid, Node);
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(files.SerialSocket), ct);
        var bytes = Encoding.UTF8.GetBytes(line.TrimEnd('\n') + "\n");
        await s.SendAsync(bytes, SocketFlags.None, ct);
        // The UART takes 16 bytes at a time; give QEMU time to consume before hanging up.
        await Task.Delay(300 + bytes.Length * 5, ct);
    }

    // ---- QMP -----------------------------------------------------------------

    /// <summary>The shared QMP connection of a running VM (reconnects when dropped).</summary>
    public async Task<QmpClient> GetQmpAsync(int vmid, CancellationToken ct = default)
    {
        if (_qmp.TryGetValue(vmid, out var c) && c.IsConnected) return c;
        var gate = _qmpLocks.GetOrAdd(vmid, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (_qmp.TryGetValue(vmid, out c))
            {
                if (c.IsConnected) return c;
                _qmp.TryRemove(vmid, out _);
                await c.DisposeAsync();
            }
            var files = FilesOf(vmid);
            if (!IsRunning(files, out _)) throw new VmNotRunningException(vmid, Node);
            c = await QmpClient.ConnectAsync(files.QmpSocket, TimeSpan.FromSeconds(10), ct);
            c.DefaultTimeout = _options.QmpTimeout;
            c.EventReceived += e => OnEvent(vmid, e);
            _qmp[vmid] = c;
            return c;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<JsonNode?> QmpAsync(int vmid, string command, JsonObject? args, TimeSpan? timeout, CancellationToken ct)
    {
        var c = await GetQmpAsync(vmid, ct);
        return await c.ExecuteAsync(command, args, timeout, ct);
    }

    private void OnEvent(int vmid, QmpEvent e)
    {
        if (e.Name == "MIGRATION" && e.Data?["status"]?.GetValue<string>() is "completed" or "failed" or "cancelled"
            && _migrationEnded.TryGetValue(vmid, out var ended))
            ended.TrySetResult();
        if (LoggedEvents.Contains(e.Name))
            _log.Information("QMP event {Event} of {VmId} on {Node}: {Data}", e.Name, vmid, Node, e.Data?.ToJsonString());
        else
            _log.Debug("QMP event {Event} of {VmId} on {Node}: {Data}", e.Name, vmid, Node, e.Data?.ToJsonString());
    }

    private async Task DropQmpAsync(int vmid)
    {
        if (_qmp.TryRemove(vmid, out var c)) await c.DisposeAsync();
    }

    // ---- helpers -------------------------------------------------------------

    private async Task<string> ResolveNodeAsync(int vmid, string drive, CancellationToken ct)
    {
        var r = await QmpAsync(vmid, "query-block", null, null, ct);
        if (r is JsonArray a)
        {
            foreach (var b in a)
            {
                var qdev = QmpMapping.Str(b, "qdev");
                if (qdev is null) continue;
                if (qdev == drive || qdev == $"/machine/peripheral/{drive}/virtio-backend" || qdev == $"/machine/peripheral/{drive}")
                    if (QmpMapping.Str(b?["inserted"], "node-name") is { } n) return n;
            }
        }
        return QemuCommandLine.NodeName(drive);
    }

    private string ResolveLocalTarget(string target)
    {
        if (target.StartsWith('/')) return target;
        if (VolumeName.TryParse(target, out var v, out _) && _settings.Storage.Get(v!.Storage) is { } st)
            return v.PathOn(st, Node);
        return Path.GetFullPath(target);
    }

    private string ListenHost(IncomingSpec? inc) =>
        string.IsNullOrWhiteSpace(inc?.ListenHost) ? _settings.Address : inc!.ListenHost;

    private string UriHost(string host, bool forListen = false)
    {
        if (!forListen && host is "0.0.0.0" or "::" or "[::]") host = _settings.Address;
        return host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
    }

    private SemaphoreSlim VmLock(int vmid) => _vmLocks.GetOrAdd(vmid, _ => new SemaphoreSlim(1, 1));

    private static bool IsRunning(VmRunFiles files, out int pid)
    {
        pid = ProcessTools.ReadPidFile(files.PidFile) ?? 0;
        return pid > 0 && ProcessTools.IsAlive(pid, files.Marker);
    }

    private async Task ForgetAsync(VmRunFiles files, VmMetadata? meta)
    {
        await DropQmpAsync(files.VmId);
        await Swtpm.StopAsync(files, _log);
        if (meta is not null)
            foreach (var port in meta.Ports()) _ports.Release(port);
        if (Directory.Exists(files.Dir)) files.Clean();
    }

    private IEnumerable<int> VmIdsOnDisk()
    {
        var root = Path.Combine(_settings.RunDir, "qemu");
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Select(n => int.TryParse(n, out var id) ? id : -1)
            .Where(id => id > 0)
            .Order()
            .ToList();
    }

    private void ReserveLivePorts()
    {
        foreach (var vmid in VmIdsOnDisk())
        {
            var files = FilesOf(vmid);
            if (IsRunning(files, out _) && VmMetadata.Read(files.MetaFile) is { } meta)
                foreach (var port in meta.Ports()) _ports.Reserve(port);
        }
    }

    /// <summary>Closes QMP connections; the VMs keep running.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var vmid in _qmp.Keys.ToList()) await DropQmpAsync(vmid);
    }
}
