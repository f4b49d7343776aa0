using System.Net.Sockets;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Qmp;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Start, stop, shutdown, pause and resume of the VM processes.</summary>
public sealed partial class QemuHypervisorDriver
{
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
}
