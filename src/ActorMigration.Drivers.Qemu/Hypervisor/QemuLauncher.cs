using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// Launches one daemonized QEMU process: accelerator, machine type, OVMF and swtpm, the command line,
/// run metadata, and the incoming port (retried when taken).
/// </summary>
public sealed class QemuLauncher
{
    private const int PortAttempts = 3;

    private readonly NodeSettings _settings;
    private readonly QemuDriverOptions _options;
    private readonly PortAllocator _ports;
    private readonly NodeAddress _address;
    private readonly ILogger _log;
    private readonly Lazy<Task<AcceleratorChoice>> _accel;

    public QemuLauncher(NodeSettings settings, QemuDriverOptions options, PortAllocator ports, NodeAddress address, ILogger log)
    {
        _settings = settings;
        _options = options;
        _ports = ports;
        _address = address;
        _log = log;
        Taps = new TapNics(settings, log);
        _accel = new Lazy<Task<AcceleratorChoice>>(async () =>
        {
            var c = await AcceleratorProbe.GetAsync(_options);
            _log.LogInformation("Accelerator for {Node}: {Accel} ({Reason})", _settings.Node, c.Accelerator, c.Reason);
            return c;
        });
    }

    private string Node => _settings.Node;

    /// <summary>Tap NICs on the bridges of the node's VM namespace.</summary>
    internal TapNics Taps { get; }

    /// <summary>KVM or TCG, probed once per process.</summary>
    public Task<AcceleratorChoice> GetAcceleratorAsync() => _accel.Value;

    /// <summary>Launches the VM into fresh run files; returns its metadata (written) and pid.</summary>
    public async Task<(VmMetadata Meta, int Pid)> LaunchAsync(VmLaunchSpec spec, VmRunFiles files, CancellationToken ct)
    {
        await Taps.CheckAsync(spec, ct);
        var accel = (await GetAcceleratorAsync()).Accelerator;
        var machine = await MachineTypes.ResolveAsync(_options.QemuSystem, spec.Machine, ct);
        await Ovmf.PrepareAsync(spec, files, _options, _log, ct);
        return await Swtpm.AroundLaunchAsync(spec, files, _log, () => LaunchProcessAsync(spec, files, machine, accel, ct), ct);
    }

    private async Task<(VmMetadata Meta, int Pid)> LaunchProcessAsync(VmLaunchSpec spec, VmRunFiles files, string machine, string accel,
        CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            int? port = spec.Incoming is null ? null : _ports.Acquire();
            var host = _address.ListenHost(spec.Incoming);
            var incomingUri = port is { } p ? $"tcp:{_address.UriHost(host)}:{p}" : null;
            var listenUri = port is { } lp ? $"tcp:{_address.UriHost(host, forListen: true)}:{lp}" : null;
            var warnings = new List<string>();
            var args = QemuCommandLine.Build(new LaunchPlan(spec, files, machine, accel, listenUri, _options, TapNics: Taps.Enabled), warnings);
            foreach (var w in warnings) _log.LogWarning("{VmId} on {Node}: {Warning}", spec.VmId, Node, w);
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
            _log.LogDebug("Launching {VmId} on {Node}: {CommandLine}", spec.VmId, Node, string.Join(' ', meta.CommandLine));
            var (file, argv) = Taps.Wrap(_options.QemuSystem, args);
            var r = await ProcessRunner.RunAsync(file, argv, _options.StartTimeout, ct: ct);
            var pid = ProcessTools.ReadPidFile(files.PidFile);
            if (r.ExitCode == 0 && pid is { } alive && ProcessTools.IsAlive(alive, files.Marker))
                return (meta, alive);

            if (pid is { } stray) await ProcessTools.TerminateAsync(stray, files.Marker, TimeSpan.FromSeconds(2));
            if (port is { } used) _ports.Release(used);
            files.Clean();
            var error = r.ErrorText;
            if (port is not null && attempt < PortAttempts && error.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                _log.LogWarning("Incoming port {Port} of {VmId} on {Node} was taken; retrying", port, spec.VmId, Node);
                continue;
            }
            throw new InvalidOperationException($"QEMU for VM {spec.VmId} on {Node} failed to start (exit {r.ExitCode}): {error}");
        }
    }
}
