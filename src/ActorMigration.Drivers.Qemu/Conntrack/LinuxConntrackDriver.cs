using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>
/// Conntrack state transfer with the `conntrack` tool, like Proxmox VE's "with-conntrack-state":
/// a VM's entries are those whose ct mark equals its VMID (set by the guest firewall).
/// Runs inside `ip netns exec &lt;netns&gt;` when a namespace is configured.
/// </summary>
public sealed partial class LinuxConntrackDriver : IConntrackDriver
{
    private static readonly (ConntrackFamily Family, string Name)[] Families =
        [(ConntrackFamily.IPv4, "ipv4"), (ConntrackFamily.IPv6, "ipv6")];

    private readonly ConntrackOptions _options;
    private readonly IConntrackCommandRunner _runner;
    private readonly ILogger _log;

    /// <summary>Driver for the table of <paramref name="netns"/> (null = current namespace).</summary>
    public LinuxConntrackDriver(string? netns = null, ILogger<LinuxConntrackDriver>? logger = null)
        : this(new ConntrackOptions { Netns = netns }, logger)
    {
    }

    public LinuxConntrackDriver(ConntrackOptions options, ILogger<LinuxConntrackDriver>? logger = null, IConntrackCommandRunner? runner = null)
        : this(options, (ILogger?)logger, runner)
    {
    }

    private LinuxConntrackDriver(ConntrackOptions options, ILogger? logger, IConntrackCommandRunner? runner)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Netns is { } ns && !NetnsRegex().IsMatch(ns))
            throw new ArgumentException($"invalid network namespace name '{ns}'", nameof(options));
        _options = options;
        _runner = runner ?? ProcessCommandRunner.Instance;
        _log = (logger ?? NullLogger.Instance).With("Netns", options.Netns ?? "(current)");
    }

    /// <summary>Driver for a node's host network (<see cref="NodeSettings.HostNetns"/>).</summary>
    public static LinuxConntrackDriver ForNode(NodeSettings node, ILoggerFactory? loggers = null) =>
        new(new ConntrackOptions { Netns = node.HostNetns },
            (loggers ?? NullLoggerFactory.Instance).CreateLogger<LinuxConntrackDriver>().With("Node", node.Node), null);

    public ConntrackOptions Options => _options;

    /// <summary>The ct mark that attributes entries to a VM.</summary>
    public static uint MarkOf(int vmid) =>
        vmid > 0 ? (uint)vmid : throw new ArgumentOutOfRangeException(nameof(vmid), vmid, "vmid must be positive");

    /// <summary>The VM's entries as save lines ("-A … --mark &lt;vmid&gt;"), validated and normalized.</summary>
    public async Task<IReadOnlyList<string>> DumpAsync(int vmid, CancellationToken ct = default)
    {
        var mark = MarkOf(vmid);
        IReadOnlyList<ConntrackEntry> entries;
        try
        {
            entries = await ListAsync(vmid, _options.DumpFormat, ct);
        }
        catch (ConntrackException e) when (_options.DumpFormat == ConntrackListFormat.Save)
        {
            _log.LogWarning("conntrack -o save failed ({Error}), dumping VM {VmId} with -o extended", e.Message, vmid);
            entries = await ListAsync(vmid, ConntrackListFormat.Extended, ct);
        }

        var lines = new List<string>(entries.Count);
        long bytes = 0;
        foreach (var entry in entries)
        {
            var line = ConntrackFormatter.ToSaveLine(entry with { Mark = mark });
            if (_options.MaxDumpBytes is { } max && bytes + line.Length + 1 > max)
            {
                _log.LogWarning("Conntrack dump of VM {VmId} exceeds {MaxBytes} bytes, dropping {Dropped} of {Total} entries",
                    vmid, max, entries.Count - lines.Count, entries.Count);
                break;
            }
            bytes += line.Length + 1;
            lines.Add(line);
        }

        _log.LogInformation("Dumped {Count} conntrack entries of VM {VmId} ({Bytes} bytes)", lines.Count, vmid, bytes);
        return lines;
    }

    /// <summary>
    /// Re-creates entries under the VM's mark. Returns how many of them are in the table afterwards
    /// (created now or already present), so a repeated load reports the same count.
    /// Unparsable or rejected entries are skipped and logged (best effort).
    /// </summary>
    public async Task<int> LoadAsync(int vmid, IReadOnlyList<string> entries, CancellationToken ct = default)
    {
        var mark = MarkOf(vmid);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            _log.LogInformation("No conntrack entries to load for VM {VmId}", vmid);
            return 0;
        }

        var parsed = new List<ConntrackEntry>(entries.Count);
        var invalid = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            if (ConntrackParser.TryParse(entries[i] ?? "", out var entry, out var error))
                parsed.Add(entry! with { Mark = mark });
            else
            {
                invalid++;
                _log.LogWarning("Skipping conntrack entry {Index} of VM {VmId}: {Error}", i, vmid, error);
            }
        }
        var wanted = parsed.DistinctBy(e => e.Key).ToList();
        if (wanted.Count == 0)
        {
            _log.LogWarning("None of {Count} conntrack entries for VM {VmId} could be parsed", entries.Count, vmid);
            return 0;
        }

        var before = await KeysAsync(mark, ct);
        var todo = wanted.Where(e => !before.Contains(e.Key)).ToList();
        var errors = new Dictionary<ConntrackKey, string>();
        if (todo.Count > 0)
        {
            var batched = _options.BatchLoad && await TryBatchLoadAsync(vmid, todo, ct);
            if (!batched) await LoadOneByOneAsync(todo, errors, ct);
        }

        var after = await KeysAsync(mark, ct);
        var loaded = wanted.Count(e => after.Contains(e.Key));
        var present = wanted.Count(e => before.Contains(e.Key));
        var missing = wanted.Where(e => !after.Contains(e.Key)).ToList();
        foreach (var e in missing.Take(10))
            _log.LogWarning("Conntrack entry {Entry} of VM {VmId} was not loaded: {Error}",
                e.Key.ToString(), vmid, errors.GetValueOrDefault(e.Key, "not in the table after loading"));

        _log.LogInformation(
            "Loaded {Loaded} of {Requested} conntrack entries for VM {VmId} ({Created} created, {Present} already present, {Failed} failed, {Invalid} " +
                "unparsable)",
            loaded, entries.Count, vmid, loaded - present, present, missing.Count, invalid);
        return loaded;
    }

    /// <summary>Deletes all entries marked with the VMID; returns how many were deleted.</summary>
    public async Task<int> FlushAsync(int vmid, CancellationToken ct = default)
    {
        var mark = MarkOf(vmid);
        var total = 0;
        foreach (var (_, family) in Families)
        {
            var (argv, result) = await RunAsync(["-D", "-f", family, "-m", N(mark)], null, ct);
            // conntrack exits 1 when nothing matched; the summary line is the truth
            var m = SummaryRegex().Match(result.StdErr);
            if (m.Success && m.Groups[2].Value == "deleted")
                total += int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            else if (result.ExitCode != 0)
                throw Failure("delete", argv, result);
        }
        _log.LogInformation("Flushed {Count} conntrack entries of VM {VmId}", total, vmid);
        return total;
    }

    /// <summary>
    /// Entries of a VM (or of the whole table when <paramref name="vmid"/> is null), both families.
    /// Lines that cannot be parsed are logged and left out. Save listings carry no mark:
    /// their entries get the VM's mark, or 0 when listing the whole table.
    /// </summary>
    public async Task<IReadOnlyList<ConntrackEntry>> ListAsync(int? vmid = null, ConntrackListFormat format = ConntrackListFormat.Extended,
        CancellationToken ct = default)
    {
        uint? mark = vmid is { } v ? MarkOf(v) : null;
        var output = format == ConntrackListFormat.Save ? "save" : "extended";
        var list = new List<ConntrackEntry>();
        foreach (var (_, family) in Families)
        {
            List<string> args = ["-L", "-f", family, "-o", output];
            if (mark is { } m) args.AddRange(["-m", N(m)]);
            var (argv, result) = await RunAsync(args, null, ct);
            if (result.ExitCode != 0) throw Failure("list", argv, result);

            foreach (var raw in result.StdOut.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0) continue;
                if (!ConntrackParser.TryParse(line, out var entry, out var error))
                {
                    _log.LogWarning("Skipping conntrack entry: {Error}", error);
                    continue;
                }
                if (format == ConntrackListFormat.Save) entry = entry! with { Mark = mark ?? 0 };
                list.Add(entry!);
            }
        }
        return list;
    }

    private async Task<HashSet<ConntrackKey>> KeysAsync(uint mark, CancellationToken ct) =>
        (await ListAsync((int)mark, ConntrackListFormat.Extended, ct)).Select(e => e.Key).ToHashSet();

    private async Task<bool> TryBatchLoadAsync(int vmid, IReadOnlyList<ConntrackEntry> todo, CancellationToken ct)
    {
        var input = new StringBuilder();
        foreach (var e in todo) input.Append(ConntrackFormatter.ToSaveLine(e)).Append('\n');
        var (_, result) = await RunAsync(["--load-file", "-"], input.ToString(), ct);
        if (result.ExitCode == 0) return true;
        // the batch stops at the first rejected entry: redo one by one to load the rest
        _log.LogWarning("Batch load of {Count} conntrack entries for VM {VmId} failed (exit {ExitCode}: {Error}), loading one by one",
            todo.Count, vmid, result.ExitCode, result.StdErr.Trim());
        return false;
    }

    private async Task LoadOneByOneAsync(IReadOnlyList<ConntrackEntry> todo, Dictionary<ConntrackKey, string> errors, CancellationToken ct)
    {
        foreach (var e in todo)
        {
            var (_, result) = await RunAsync(ConntrackFormatter.ToCreateArguments(e), null, ct);
            if (result.ExitCode != 0) errors[e.Key] = LastLine(result.StdErr);
        }
    }

    private async Task<(IReadOnlyList<string> Argv, ConntrackCommandResult Result)> RunAsync(
        IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var argv = new List<string>(args.Count + 5);
        if (_options.Netns is { } ns) argv.AddRange([_options.IpPath, "netns", "exec", ns]);
        argv.Add(_options.ConntrackPath);
        argv.AddRange(args);
        _log.LogDebug("Running {Command}", argv);
        return (argv, await _runner.RunAsync(argv, stdin, _options.CommandTimeout, ct));
    }

    private ConntrackException Failure(string what, IReadOnlyList<string> argv, ConntrackCommandResult r) =>
        new($"conntrack {what} failed in {(_options.Netns is { } ns ? $"netns '{ns}'" : "the current namespace")} (exit {r.ExitCode}): {LastLine(r.StdErr)}",
            argv, r.ExitCode, r.StdErr);

    private static string LastLine(string s) =>
        s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)";

    private static string N(uint v) => v.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex NetnsRegex();

    [GeneratedRegex(@"(\d+) flow entries have been (\w+)")]
    private static partial Regex SummaryRegex();
}
