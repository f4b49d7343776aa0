using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Qmp;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// The QEMU processes of one node: start, stop, shutdown, pause, resume, state, and re-adoption of the
/// processes an earlier member left running (their run files and metadata), under one lock per VM.
/// </summary>
public sealed class VmProcesses
{
    private readonly NodeSettings _settings;
    private readonly PortAllocator _ports;
    private readonly QmpSessions _qmp;
    private readonly QemuLauncher _launcher;
    private readonly IncomingNbdServer _nbd;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _vmLocks = new();

    public VmProcesses(NodeSettings settings, PortAllocator ports, QmpSessions qmp, QemuLauncher launcher, IncomingNbdServer nbd, ILogger log)
    {
        _settings = settings;
        _ports = ports;
        _qmp = qmp;
        _launcher = launcher;
        _nbd = nbd;
        _log = log;
        ReserveLivePorts();
    }

    private string Node => _settings.Node;

    public VmRunFiles FilesOf(int vmid) => new(_settings.RunDir, vmid);

    public async Task<IReadOnlyList<VmRuntime>> DiscoverAsync(CancellationToken ct)
    {
        var result = new List<VmRuntime>();
        foreach (var vmid in VmIdsOnDisk())
        {
            await using var held = await LockAsync(vmid, ct);
            var files = FilesOf(vmid);
            var meta = VmMetadata.Read(files.MetaFile);
            if (files.IsRunning(out var pid))
            {
                if (meta is not null)
                    foreach (var port in meta.Ports()) _ports.Reserve(port);
                var rt = await GetAsync(vmid, ct);
                _log.LogInformation("Re-adopted {VmId} on {Node}: pid {Pid}, {State}, tag {Tag}", vmid, Node, pid, rt.State, rt.Tag);
                result.Add(rt);
            }
            else if (File.Exists(files.PidFile) || File.Exists(files.MetaFile))
            {
                _log.LogInformation("Cleaning stale run files of {VmId} on {Node}", vmid, Node);
                await ForgetAsync(files, meta);
            }
        }
        return result;
    }

    public async Task<VmRuntime> GetAsync(int vmid, CancellationToken ct)
    {
        var files = FilesOf(vmid);
        if (!files.IsRunning(out var pid)) return new VmRuntime(vmid, VmRunState.Stopped);
        var meta = VmMetadata.Read(files.MetaFile);
        VmRunState state;
        try
        {
            var st = await _qmp.ExecuteAsync(vmid, "query-status", null, TimeSpan.FromSeconds(10), ct);
            state = QmpMapping.RunState(QmpMapping.Str(st, "status"));
        }
        catch (Exception e) when (e is IOException or TimeoutException or QmpException or VmNotRunningException or SocketException)
        {
            if (!files.IsRunning(out _)) return new VmRuntime(vmid, VmRunState.Stopped);
            _log.LogWarning("query-status of {VmId} on {Node} failed: {Error}", vmid, Node, e.Message);
            state = VmRunState.Other;
        }
        return Runtime(vmid, state, pid, meta);
    }

    public async Task<VmRuntime> StartAsync(VmLaunchSpec spec, CancellationToken ct)
    {
        var vmid = spec.VmId;
        await using var held = await LockAsync(vmid, ct);
        var files = FilesOf(vmid);
        var old = VmMetadata.Read(files.MetaFile);
        if (files.IsRunning(out var runningPid))
        {
            if (spec.Tag is not null && old?.Tag == spec.Tag)
            {
                _log.LogInformation("{VmId} already runs on {Node} with tag {Tag} (pid {Pid})", vmid, Node, spec.Tag, runningPid);
                return await GetAsync(vmid, ct);
            }
            throw new InvalidOperationException($"VM {vmid} is already running on {Node} (pid {runningPid}, tag {old?.Tag ?? "none"})");
        }
        await ForgetAsync(files, old);
        Directory.CreateDirectory(files.Dir);
        files.EnsureSocketPathsFit();

        var (meta, pid) = await _launcher.LaunchAsync(spec, files, ct);
        try
        {
            var qmp = await _qmp.GetAsync(vmid, ct);
            meta = meta with { QemuVersion = qmp.QemuVersion };
            await _launcher.Taps.PlugAsync(spec, ct);
            foreach (var nic in spec.Nics.Where(n => n.LinkDown))
                await _qmp.ExecuteAsync(vmid, "set_link", new JsonObject { ["name"] = nic.Name, ["up"] = false }, ct: ct);
            if (spec.Incoming is { NbdDrives.Count: > 0 } inc)
                meta = await _nbd.StartAsync(vmid, inc, meta, ct);
            meta.Write(files.MetaFile);
        }
        catch
        {
            _log.LogWarning("Start of {VmId} on {Node} failed after launch; killing pid {Pid}", vmid, Node, pid);
            await ProcessTools.TerminateAsync(pid, files.Marker, TimeSpan.FromSeconds(2));
            await ForgetAsync(files, meta);
            throw;
        }
        _log.LogInformation("Started {VmId} on {Node}: pid {Pid}, machine {Machine}, accel {Accel}, incoming {IncomingUri}, nbd {NbdUri}",
            vmid, Node, pid, meta.Machine, meta.Accelerator, meta.IncomingUri, meta.NbdUri);
        // A target started with -incoming waits in "inmigrate" by definition: no need to ask (a migration waits on this).
        if (spec.Incoming is not null) return Runtime(vmid, VmRunState.InMigrate, pid, meta);
        return await GetAsync(vmid, ct);
    }

    public async Task StopAsync(int vmid, CancellationToken ct)
    {
        await using var held = await LockAsync(vmid, ct);
        await StopLockedAsync(vmid, ct);
    }

    public async Task ShutdownAsync(int vmid, TimeSpan timeout, CancellationToken ct)
    {
        await using var held = await LockAsync(vmid, ct);
        var files = FilesOf(vmid);
        if (!files.IsRunning(out var pid))
        {
            await ForgetAsync(files, VmMetadata.Read(files.MetaFile));
            return;
        }
        try
        {
            await _qmp.ExecuteAsync(vmid, "system_powerdown", null, TimeSpan.FromSeconds(5), ct);
        }
        catch (Exception e) when (e is IOException or TimeoutException or QmpException or SocketException)
        {
            _log.LogWarning("system_powerdown of {VmId} on {Node} failed: {Error}", vmid, Node, e.Message);
        }
        if (await ProcessTools.WaitExitAsync(pid, files.Marker, timeout, ct))
            _log.LogInformation("{VmId} on {Node} powered down", vmid, Node);
        else
            _log.LogWarning("{VmId} on {Node} did not power down within {Timeout}; stopping hard", vmid, Node, timeout);
        await StopLockedAsync(vmid, ct);
    }

    public async Task PauseAsync(int vmid, CancellationToken ct)
    {
        var st = await _qmp.ExecuteAsync(vmid, "query-status", ct: ct);
        if (QmpMapping.Str(st, "status") == "running")
        {
            await _qmp.ExecuteAsync(vmid, "stop", ct: ct);
            _log.LogInformation("Paused {VmId} on {Node}", vmid, Node);
        }
    }

    public async Task ResumeAsync(int vmid, CancellationToken ct)
    {
        // "cont" leaves a running VM as it is and makes one still loading its incoming state start once loaded;
        // the guest of a migration waits on this call, so no query-status round trip first.
        await _qmp.ExecuteAsync(vmid, "cont", ct: ct);
        _log.LogInformation("Resumed {VmId} on {Node}", vmid, Node);
    }

    private async Task StopLockedAsync(int vmid, CancellationToken ct)
    {
        var files = FilesOf(vmid);
        var meta = VmMetadata.Read(files.MetaFile);
        if (files.IsRunning(out var pid))
        {
            try
            {
                await _qmp.ExecuteAsync(vmid, "quit", null, TimeSpan.FromSeconds(5), ct);
            }
            catch (Exception e) when (e is IOException or TimeoutException or QmpException or SocketException or VmNotRunningException)
            {
                _log.LogDebug("quit of {VmId} on {Node}: {Error}", vmid, Node, e.Message);
            }
            if (!await ProcessTools.WaitExitAsync(pid, files.Marker, TimeSpan.FromSeconds(10), ct))
            {
                _log.LogWarning("{VmId} on {Node} ignored quit; killing pid {Pid}", vmid, Node, pid);
                await ProcessTools.TerminateAsync(pid, files.Marker, TimeSpan.FromSeconds(3), ct);
            }
            _log.LogInformation("Stopped {VmId} on {Node} (pid {Pid})", vmid, Node, pid);
        }
        await ForgetAsync(files, meta);
    }

    private static VmRuntime Runtime(int vmid, VmRunState state, int pid, VmMetadata? meta) =>
        new(vmid, state, pid, ProcessTools.UptimeSeconds(pid), meta?.IncomingUri, meta?.NbdUri, meta?.Tag, meta?.Machine, meta?.QemuVersion);

    private async Task ForgetAsync(VmRunFiles files, VmMetadata? meta)
    {
        await _qmp.DropAsync(files.VmId);
        await Swtpm.StopAsync(files, _log);
        await _launcher.Taps.UnplugAsync(files.VmId, CancellationToken.None);
        if (meta is not null)
            foreach (var port in meta.Ports()) _ports.Release(port);
        if (Directory.Exists(files.Dir)) files.Clean();
    }

    private async Task<Held> LockAsync(int vmid, CancellationToken ct)
    {
        var gate = _vmLocks.GetOrAdd(vmid, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Held(gate);
    }

    private sealed class Held(SemaphoreSlim gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The live QEMU process of every VM on this node (pidfile and marker checked), without taking the VM locks.</summary>
    public IReadOnlyList<(int VmId, int Pid)> RunningPids() =>
        VmIdsOnDisk().Select(v => FilesOf(v).IsRunning(out var pid) ? (v, pid) : (v, 0)).Where(p => p.Item2 > 0).ToList();

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
            if (files.IsRunning(out _) && VmMetadata.Read(files.MetaFile) is { } meta)
                foreach (var port in meta.Ports()) _ports.Reserve(port);
        }
    }
}
