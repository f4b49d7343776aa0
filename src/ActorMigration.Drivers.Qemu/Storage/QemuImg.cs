using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>Runs qemu-img (in the node's VM namespace when it has one, where NBD exports of other nodes are reachable);
/// errors carry qemu-img's own message.</summary>
internal sealed class QemuImg(string binary, string? netns = null)
{
    private static readonly Regex Progress = new(@"\((\d+(?:\.\d+)?)/100%\)", RegexOptions.Compiled);

    /// <summary>How long <c>qemu-img info</c> may take; it reads headers only.</summary>
    public static readonly TimeSpan InfoTimeout = TimeSpan.FromSeconds(60);

    public async Task<string> RunAsync(IEnumerable<string> args, CancellationToken ct = default, Action<string>? onOutput = null,
        TimeSpan? timeout = null)
    {
        var list = args.ToList();
        var (file, argv) = NetnsCommand.Wrap(netns, binary, list);
        var r = await ProcessRunner.RunAsync(file, argv, timeout ?? TimeSpan.FromHours(12), onOutput, ct);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"qemu-img {list.FirstOrDefault()} failed: {r.ErrorText}");
        return r.StdOut;
    }

    /// <summary>
    /// <c>qemu-img info -f &lt;format&gt; --output=json -U</c>: the format is always given, never probed; -U reads
    /// images that a running VM holds. No --backing-chain: a backing file is named, not opened.
    /// </summary>
    public Task<JsonNode> InfoAsync(string path, string format, CancellationToken ct = default) =>
        InfoOfAsync(["info", "-f", format, "--output=json", "-U", path], path, ct);

    /// <summary>qemu-img info of a <c>json:</c> spec, whose <c>driver</c> names the format.</summary>
    public Task<JsonNode> InfoOfSpecAsync(string jsonSpec, CancellationToken ct = default) =>
        InfoOfAsync(["info", "--output=json", "-U", jsonSpec], jsonSpec, ct);

    private async Task<JsonNode> InfoOfAsync(IEnumerable<string> args, string what, CancellationToken ct)
    {
        var json = await RunAsync(args, ct, timeout: InfoTimeout);
        return JsonNode.Parse(json) ?? throw new InvalidOperationException($"qemu-img info {what}: empty answer");
    }

    /// <summary>Runs a command that takes <c>-p</c>, reporting progress against <paramref name="totalBytes"/>.</summary>
    public Task RunWithProgressAsync(IEnumerable<string> args, long totalBytes, IProgress<CopyProgress>? progress, CancellationToken ct,
        long offset = 0, long? grandTotal = null)
    {
        var total = grandTotal ?? totalBytes;
        progress?.Report(new CopyProgress(offset, total));
        return RunAsync(args, ct, piece =>
        {
            if (progress is null) return;
            var m = Progress.Match(piece);
            if (!m.Success) return;
            var pct = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            progress.Report(new CopyProgress(offset + (long)(totalBytes * pct / 100.0), total));
        });
    }

    /// <summary>Rate limit argument (<c>-r</c>) for a bwlimit in KiB/s.</summary>
    public static IEnumerable<string> RateLimit(long? bwlimitKiB) =>
        bwlimitKiB is > 0 and var kib ? ["-r", $"{kib}K"] : [];
}
