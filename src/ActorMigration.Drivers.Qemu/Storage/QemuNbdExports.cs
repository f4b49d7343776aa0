using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// qemu-nbd exports, one forked process each, recorded in &lt;RunDir&gt;/nbd/ so that a restarted member finds
/// (and reuses or forgets) the exports of the one before.
/// </summary>
internal sealed class QemuNbdExports
{
    private readonly NodeSettings _settings;
    private readonly QemuDriverOptions _options;
    private readonly PortAllocator _ports;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _lock = new(1, 1);

    public QemuNbdExports(NodeSettings settings, QemuDriverOptions options, PortAllocator ports, ILogger log)
    {
        (_settings, _options, _ports, _log) = (settings, options, ports, log);
        Adopt();
    }

    private string Node => _settings.Node;
    private string ExportDir => Path.Combine(_settings.RunDir, "nbd");

    /// <summary>Serves <paramref name="info"/>'s file; a live export of the same volume and mode is reused.</summary>
    public async Task<NbdExport> ExportAsync(VolumeInfo info, bool writable, CancellationToken ct)
    {
        var volid = info.VolId;
        await _lock.WaitAsync(ct);
        try
        {
            foreach (var rec in Records())
                if (rec.VolId == volid && rec.Writable == writable && IsAlive(rec))
                    return new NbdExport(rec.Id, rec.Uri);

            Directory.CreateDirectory(ExportDir);
            var exportName = Path.GetFileNameWithoutExtension(VolumeName.Parse(volid).Name);
            for (var attempt = 1; ; attempt++)
            {
                var port = _ports.Acquire();
                var id = $"{exportName}-{port}";
                var pidFile = Path.Combine(ExportDir, id + ".pid");
                var args = new List<string>
                {
                    "--fork", "--pid-file", pidFile, "-b", _settings.Address, "-p", port.ToString(),
                    "-x", exportName, "-f", info.Format, "--persistent", "--shared=8"
                };
                if (!writable) args.Add("--read-only");
                if (_options.Tls is { } tls) args.AddRange(tls.NbdExportArgs());
                args.Add(info.Path);
                // In the node's VM namespace when it has one: the node's address may exist only there.
                var (file, argv) = NetnsCommand.Wrap(_settings.VmNetns, _options.QemuNbd, args);
                var r = await ProcessRunner.RunAsync(file, argv, TimeSpan.FromSeconds(30), ct: ct);
                if (r.ExitCode != 0)
                {
                    _ports.Release(port);
                    if (attempt < 3 && r.ErrorText.Contains("in use", StringComparison.OrdinalIgnoreCase)) continue;
                    throw new InvalidOperationException($"qemu-nbd for '{volid}' failed: {r.ErrorText}");
                }
                var host = _settings.Address.Contains(':') ? $"[{_settings.Address}]" : _settings.Address;
                var rec = new NbdExportRecord(id, volid, info.Path, port, writable, $"nbd://{host}:{port}/{exportName}", pidFile);
                rec.Write(Path.Combine(ExportDir, id + ".json"));
                _log.LogInformation("Exported {VolId} on {Node} at {Uri} ({Mode}, TLS {Tls})", volid, Node, rec.Uri,
                    writable ? "writable" : "read-only", _options.Tls is not null);
                return new NbdExport(id, rec.Uri);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task CloseAsync(string exportId, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var file = Path.Combine(ExportDir, exportId + ".json");
            if (NbdExportRecord.Read(file) is not { } rec) return;
            if (ProcessTools.ReadPidFile(rec.PidFile) is { } pid)
                await ProcessTools.TerminateAsync(pid, rec.PidFile, TimeSpan.FromSeconds(5), ct);
            File.Delete(rec.PidFile);
            File.Delete(file);
            _ports.Release(rec.Port);
            _log.LogInformation("Closed export {ExportId} of {VolId} on {Node}", exportId, rec.VolId, Node);
        }
        finally
        {
            _lock.Release();
        }
    }

    private IEnumerable<NbdExportRecord> Records()
    {
        if (!Directory.Exists(ExportDir)) yield break;
        foreach (var f in Directory.EnumerateFiles(ExportDir, "*.json"))
            if (NbdExportRecord.Read(f) is { } rec) yield return rec;
    }

    private static bool IsAlive(NbdExportRecord rec) =>
        ProcessTools.ReadPidFile(rec.PidFile) is { } pid && ProcessTools.IsAlive(pid, rec.PidFile);

    /// <summary>Reserves ports of exports left by an earlier member; forgets dead ones.</summary>
    private void Adopt()
    {
        foreach (var rec in Records().ToList())
        {
            if (IsAlive(rec)) _ports.Reserve(rec.Port);
            else
            {
                File.Delete(Path.Combine(ExportDir, rec.Id + ".json"));
                File.Delete(rec.PidFile);
            }
        }
    }
}
