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
public sealed partial class QemuHypervisorDriver : IHypervisorDriver, IAsyncDisposable
{
    private static readonly HashSet<string> LoggedEvents =
        ["MIGRATION", "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR", "STOP", "RESUME", "SHUTDOWN", "POWERDOWN",
            "GUEST_PANICKED"];

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
