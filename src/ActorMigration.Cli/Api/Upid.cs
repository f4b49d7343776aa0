using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Cli.Api;

/// <summary>A Proxmox task id: UPID:node:pid:pstart:starttime:type:id:user:</summary>
public sealed partial record Upid(
    string Raw, string Node, int Pid, long PStart, DateTimeOffset StartTime,
    string Type, string Id, string User)
{
    [GeneratedRegex(@"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out Upid upid)
    {
        upid = null!;
        var m = text is null ? Match.Empty : Pattern().Match(text.Trim());
        if (!m.Success) return false;
        upid = new Upid(
            text!.Trim(), m.Groups[1].Value,
            int.Parse(m.Groups[3].Value, NumberStyles.HexNumber),
            long.Parse(m.Groups[4].Value, NumberStyles.HexNumber),
            DateTimeOffset.FromUnixTimeSeconds(long.Parse(m.Groups[5].Value, NumberStyles.HexNumber)),
            m.Groups[6].Value, m.Groups[7].Value, m.Groups[8].Value);
        return true;
    }

    public static Upid Parse(string? text) =>
        TryParse(text, out var u) ? u : throw new UsageException($"not a valid UPID: '{text}'");

    public override string ToString() => Raw;
}
