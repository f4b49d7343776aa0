using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Tasks;

/// <summary>Proxmox task id: <c>UPID:node:pid:pstart:starttime:type:id:user:</c>.</summary>
public sealed record Upid(string Node, int Pid, long PStart, long StartTime, string Type, string Id, string User)
{
    private static readonly Regex Re = new(
        @"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$",
        RegexOptions.Compiled);

    public override string ToString() =>
        $"UPID:{Node}:{Pid:X8}:{PStart:X8}:{StartTime:X8}:{Type}:{Id}:{User}:";

    public static bool TryParse(string? text, out Upid? upid)
    {
        upid = null;
        if (text is null) return false;
        var m = Re.Match(text);
        if (!m.Success) return false;
        upid = new Upid(
            m.Groups[1].Value,
            int.Parse(m.Groups[3].Value, NumberStyles.HexNumber),
            long.Parse(m.Groups[4].Value, NumberStyles.HexNumber),
            long.Parse(m.Groups[5].Value, NumberStyles.HexNumber),
            m.Groups[6].Value,
            m.Groups[7].Value,
            m.Groups[8].Value);
        return true;
    }

    public static Upid Parse(string text) =>
        TryParse(text, out var u) ? u! : throw new FormatException($"unable to parse worker upid '{text}'");

    /// <summary>User part without a token id: root@pam.</summary>
    public string UserName => User.Contains('!') ? User[..User.IndexOf('!')] : User;
    public string? TokenId => User.Contains('!') ? User[(User.IndexOf('!') + 1)..] : null;
}
