using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Qmp;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// One shared QMP connection per running VM of a node (reconnected when dropped), guarded by a per-VM lock,
/// and the events of those connections. Each command sent is logged at Debug under this type's source context
/// (template <see cref="CommandTemplate"/>, logger <paramref name="commandLog"/>; the qemu-live bench counts them).
/// </summary>
public sealed class QmpSessions(string runDir, string node, TimeSpan commandTimeout, ILogger log, ILogger commandLog) : IAsyncDisposable
{
    public const string CommandTemplate = "QMP command {Command} to {VmId} on {Node}";

    private static readonly HashSet<string> LoggedEvents =
    [
        "MIGRATION", "BLOCK_JOB_READY", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR",
        "STOP", "RESUME", "SHUTDOWN", "POWERDOWN", "GUEST_PANICKED"
    ];

    private readonly ConcurrentDictionary<int, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<int, QmpClient> _clients = new();

    /// <summary>Every event of every VM, raised on the connection's reader thread; keep handlers short.</summary>
    public event Action<int, QmpEvent>? EventReceived;

    /// <summary>The shared QMP connection of a running VM (reconnects when dropped).</summary>
    public async Task<QmpClient> GetAsync(int vmid, CancellationToken ct = default)
    {
        if (_clients.TryGetValue(vmid, out var c) && c.IsConnected) return c;
        var gate = _locks.GetOrAdd(vmid, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (_clients.TryGetValue(vmid, out c))
            {
                if (c.IsConnected) return c;
                _clients.TryRemove(vmid, out _);
                await c.DisposeAsync();
            }
            var files = new VmRunFiles(runDir, vmid);
            if (!files.IsRunning(out _)) throw new VmNotRunningException(vmid, node);
            commandLog.LogDebug(CommandTemplate, "qmp_capabilities", vmid, node);
            c = await QmpClient.ConnectAsync(files.QmpSocket, TimeSpan.FromSeconds(10), ct);
            c.DefaultTimeout = commandTimeout;
            c.EventReceived += e => OnEvent(vmid, e);
            _clients[vmid] = c;
            return c;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Runs one command on the VM's shared connection.</summary>
    public async Task<JsonNode?> ExecuteAsync(int vmid, string command, JsonObject? args = null, TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        var c = await GetAsync(vmid, ct);
        commandLog.LogDebug(CommandTemplate, command, vmid, node);
        return await c.ExecuteAsync(command, args, timeout, ct);
    }

    /// <summary>query-block-jobs: the VM's block jobs (mirrors, backups).</summary>
    public async Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(int vmid, CancellationToken ct)
    {
        var r = await ExecuteAsync(vmid, "query-block-jobs", ct: ct);
        return r is JsonArray a ? a.Where(j => j is not null).Select(j => QmpMapping.BlockJob(j!)).ToList() : [];
    }

    /// <summary>Closes the VM's connection (the VM is gone or forgotten).</summary>
    public async Task DropAsync(int vmid)
    {
        if (_clients.TryRemove(vmid, out var c)) await c.DisposeAsync();
    }

    private void OnEvent(int vmid, QmpEvent e)
    {
        // Logged before the handlers run, so that what they send is logged after the event.
        if (LoggedEvents.Contains(e.Name))
            log.LogInformation("QMP event {Event} of {VmId} on {Node}: {Data}", e.Name, vmid, node, e.Data?.ToJsonString());
        else
            log.LogDebug("QMP event {Event} of {VmId} on {Node}: {Data}", e.Name, vmid, node, e.Data?.ToJsonString());
        EventReceived?.Invoke(vmid, e);
    }

    /// <summary>Closes all connections; the VMs keep running.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var vmid in _clients.Keys.ToList()) await DropAsync(vmid);
    }
}
