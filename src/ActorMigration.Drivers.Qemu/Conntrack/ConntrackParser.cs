using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>A conntrack line that cannot be turned into an entry.</summary>
public sealed class ConntrackParseException : FormatException
{
    public ConntrackParseException(string reason, string line)
        : base($"{reason} (conntrack line: '{Shorten(line)}')")
    {
        Reason = reason;
        Line = line;
    }

    public string Reason { get; }
    public string Line { get; }

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + "…";
}

/// <summary>
/// Parses conntrack's two text formats into <see cref="ConntrackEntry"/>:
/// the "save" format (`conntrack -L -o save`, the argument grammar of `-I`/`--load-file`)
/// and the listing format (`conntrack -L [-o extended]`).
/// </summary>
public static partial class ConntrackParser
{
    /// <summary>Longest line accepted; real lines are ~300 characters.</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Parses either format: save lines start with '-'.</summary>
    public static ConntrackEntry Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var t = line.Trim();
        if (t.Length == 0) throw new ConntrackParseException("empty line", line);
        if (t.Length > MaxLineLength) throw new ConntrackParseException($"line longer than {MaxLineLength} characters", line);
        return t[0] == '-' ? ParseSave(t) : ParseListing(t);
    }

    public static bool TryParse(string line, out ConntrackEntry? entry, out string? error)
    {
        try
        {
            entry = Parse(line);
            error = null;
            return true;
        }
        catch (ConntrackParseException e)
        {
            entry = null;
            error = e.Message;
            return false;
        }
    }

    // ---- save format: "-A -t 299 -u SEEN_REPLY,ASSURED -s … -p tcp --sport … --state ESTABLISHED"

    private static readonly Dictionary<string, string> SaveOptions = new(StringComparer.Ordinal)
    {
        ["-t"] = "timeout", ["--timeout"] = "timeout",
        ["-u"] = "status", ["--status"] = "status",
        ["-w"] = "zone", ["--zone"] = "zone",
        ["-s"] = "src", ["--src"] = "src", ["--orig-src"] = "src",
        ["-d"] = "dst", ["--dst"] = "dst", ["--orig-dst"] = "dst",
        ["-r"] = "rsrc", ["--reply-src"] = "rsrc",
        ["-q"] = "rdst", ["--reply-dst"] = "rdst",
        ["-n"] = "snat", ["--src-nat"] = "snat",
        ["-g"] = "dnat", ["--dst-nat"] = "dnat",
        ["-p"] = "proto", ["--proto"] = "proto", ["--protonum"] = "proto",
        ["--sport"] = "sport", ["--orig-port-src"] = "sport",
        ["--dport"] = "dport", ["--orig-port-dst"] = "dport",
        ["--reply-port-src"] = "rsport",
        ["--reply-port-dst"] = "rdport",
        ["--state"] = "state",
        ["--orig-vtag"] = "vtag", ["--reply-vtag"] = "rvtag",
        ["--icmp-type"] = "icmp-type", ["--icmp-code"] = "icmp-code", ["--icmp-id"] = "icmp-id",
        ["--icmpv6-type"] = "icmpv6-type", ["--icmpv6-code"] = "icmpv6-code", ["--icmpv6-id"] = "icmpv6-id",
        ["--srckey"] = "sport", ["--dstkey"] = "dport",
        ["--reply-key-src"] = "rsport", ["--reply-key-dst"] = "rdport",
        ["-m"] = "mark", ["--mark"] = "mark",
        ["-f"] = "family", ["--family"] = "family",
    };

    /// <summary>Parses one line of `conntrack -L -o save` (or a `conntrack -I` argument line).</summary>
    public static ConntrackEntry ParseSave(string line)
    {
        var tokens = Tokenize(line);
        var i = 0;
        if (tokens.Length > 0 && tokens[0] is "-A" or "-I" or "--create") i++;

        var opts = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenAs = new Dictionary<string, string>(StringComparer.Ordinal);
        for (; i < tokens.Length; i += 2)
        {
            var opt = tokens[i];
            if (!SaveOptions.TryGetValue(opt, out var name))
                throw new ConntrackParseException($"unsupported option '{opt}'", line);
            if (i + 1 >= tokens.Length || tokens[i + 1].StartsWith('-'))
                throw new ConntrackParseException($"option '{opt}' needs a value", line);
            if (seenAs.TryGetValue(name, out var first))
                throw new ConntrackParseException($"option '{opt}' repeats '{first}'", line);
            seenAs[name] = opt;
            opts[name] = tokens[i + 1];
        }

        string? Get(string k) => opts.GetValueOrDefault(k);
        var proto = ParseProtocol(Get("proto") ?? throw new ConntrackParseException("missing -p (protocol)", line), line);
        RejectUnsupported(proto, line);
        var src = ParseAddress(Get("src") ?? throw new ConntrackParseException("missing -s (original source)", line), line);
        var dst = ParseAddress(Get("dst") ?? throw new ConntrackParseException("missing -d (original destination)", line), line);
        var snat = Get("snat") is { } sn ? ParseAddress(sn, line) : null;
        var dnat = Get("dnat") is { } dn ? ParseAddress(dn, line) : null;
        var rsrc = Get("rsrc") is { } rs ? ParseAddress(rs, line) : null;
        var rdst = Get("rdst") is { } rd ? ParseAddress(rd, line) : null;
        if (snat is not null && rdst is not null && !snat.Equals(rdst))
            throw new ConntrackParseException("--src-nat differs from the reply destination", line);
        if (dnat is not null && rsrc is not null && !dnat.Equals(rsrc))
            throw new ConntrackParseException("--dst-nat differs from the reply source", line);

        // save prints the NAT address in place of -r/-q
        rsrc ??= dnat ?? dst;
        rdst ??= snat ?? src;

        ushort? sport = null, dport = null, rsport = null, rdport = null;
        if (ConntrackProtocols.HasPorts(proto) || proto == ConntrackProtocols.Gre)
        {
            sport = Get("sport") is { } a ? ParseU16(a, "source port", line) : null;
            dport = Get("dport") is { } b ? ParseU16(b, "destination port", line) : null;
            rsport = Get("rsport") is { } c ? ParseU16(c, "reply source port", line) : dport;
            rdport = Get("rdport") is { } d ? ParseU16(d, "reply destination port", line) : sport;
            if (ConntrackProtocols.HasPorts(proto) && (sport is null || dport is null))
                throw new ConntrackParseException($"{ConntrackProtocols.Name(proto)} needs --sport and --dport", line);
        }
        else
        {
            foreach (var k in new[] { "sport", "dport", "rsport", "rdport" })
                if (seenAs.TryGetValue(k, out var o))
                    throw new ConntrackParseException($"option '{o}' does not apply to {ConntrackProtocols.Name(proto)}", line);
        }

        ConntrackIcmp? icmp = null;
        foreach (var v in new[] { "icmp", "icmpv6" })
        {
            var present = seenAs.Keys.Where(k => k.StartsWith(v + "-", StringComparison.Ordinal)).ToList();
            if (present.Count == 0) continue;
            var want = v == "icmp" ? ConntrackProtocols.Icmp : ConntrackProtocols.IcmpV6;
            if (proto != want)
                throw new ConntrackParseException($"option '{seenAs[present[0]]}' does not apply to {ConntrackProtocols.Name(proto)}", line);
        }
        if (ConntrackProtocols.IsIcmp(proto))
        {
            var p = proto == ConntrackProtocols.Icmp ? "icmp" : "icmpv6";
            icmp = new ConntrackIcmp(
                ParseU8(Get(p + "-type") ?? throw new ConntrackParseException($"missing --{p}-type", line), "icmp type", line),
                ParseU8(Get(p + "-code") ?? throw new ConntrackParseException($"missing --{p}-code", line), "icmp code", line),
                ParseU16(Get(p + "-id") ?? throw new ConntrackParseException($"missing --{p}-id", line), "icmp id", line));
        }

        var status = ConntrackStatus.None;
        if (Get("status") is { } st) status = ParseStatusList(st, line);
        if (snat is not null) status |= ConntrackStatus.SrcNat;
        if (dnat is not null) status |= ConntrackStatus.DstNat;

        var family = ConntrackEntry.FamilyOf(src);
        if (Get("family") is { } fam && !string.Equals(fam, family == ConntrackFamily.IPv4 ? "ipv4" : "ipv6", StringComparison.OrdinalIgnoreCase))
            throw new ConntrackParseException($"family '{fam}' does not match the addresses", line);

        var entry = new ConntrackEntry(
            family, proto,
            new ConntrackTuple(src, dst, sport, dport),
            new ConntrackTuple(rsrc, rdst, rsport, rdport),
            ParseU32(Get("timeout") ?? throw new ConntrackParseException("missing -t (timeout)", line), "timeout", line),
            status,
            Get("state"),
            Get("mark") is { } m ? ParseMark(m, line) : 0,
            Get("zone") is { } z ? ParseU16(z, "zone", line) : null,
            icmp,
            Get("vtag") is { } vt ? ParseU32(vt, "original vtag", line) : null,
            Get("rvtag") is { } rv ? ParseU32(rv, "reply vtag", line) : null);
        return Validate(entry, line);
    }

    // ---- shared checks

    [GeneratedRegex("^[A-Z][A-Z0-9_]{0,31}$")]
    private static partial Regex StateRegex();

    [GeneratedRegex(@"^\d{1,3}(\.\d{1,3}){3}$")]
    private static partial Regex Ipv4Regex();

    private static void RejectUnsupported(int proto, string line)
    {
        if (proto == ConntrackProtocols.Dccp)
            throw new ConntrackParseException("protocol dccp is not supported (conntrack -I cannot re-create its ports)", line);
    }

    private static ConntrackEntry Validate(ConntrackEntry e, string line)
    {
        var name = e.ProtocolName;
        foreach (var a in new[] { e.Original.Destination, e.Reply.Source, e.Reply.Destination })
            if (ConntrackEntry.FamilyOf(a) != e.Family)
                throw new ConntrackParseException("addresses mix IPv4 and IPv6", line);
        if (e.Protocol == ConntrackProtocols.Icmp && e.Family != ConntrackFamily.IPv4)
            throw new ConntrackParseException("icmp needs IPv4 addresses (use icmpv6)", line);
        if (e.Protocol == ConntrackProtocols.IcmpV6 && e.Family != ConntrackFamily.IPv6)
            throw new ConntrackParseException("icmpv6 needs IPv6 addresses", line);
        if (e.State is not null)
        {
            if (!ConntrackProtocols.HasState(e.Protocol))
                throw new ConntrackParseException($"{name} has no state (got '{e.State}')", line);
            if (!StateRegex().IsMatch(e.State))
                throw new ConntrackParseException($"bad state '{e.State}'", line);
        }
        else if (ConntrackProtocols.HasState(e.Protocol))
            throw new ConntrackParseException($"{name} needs a state", line);
        if ((e.OriginalVtag is not null || e.ReplyVtag is not null) && e.Protocol != ConntrackProtocols.Sctp)
            throw new ConntrackParseException("vtags only apply to sctp", line);
        return e;
    }

    private static string[] Tokenize(string line) =>
        line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsNumber(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    private static int ParseProtocol(string s, string line) =>
        ConntrackProtocols.TryParse(s, out var p) ? p : throw new ConntrackParseException($"unknown protocol '{s}'", line);

    private static IPAddress ParseAddress(string s, string line)
    {
        if (s.Contains(':'))
        {
            if (IPAddress.TryParse(s, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && v6.ScopeId == 0)
                return v6;
        }
        else if (Ipv4Regex().IsMatch(s) && IPAddress.TryParse(s, out var v4))
            return v4;
        throw new ConntrackParseException($"bad IP address '{s}'", line);
    }

    private static ConntrackStatus ParseStatusList(string s, string line)
    {
        var status = ConntrackStatus.None;
        foreach (var part in s.Split(','))
        {
            status |= part switch
            {
                "SEEN_REPLY" => ConntrackStatus.SeenReply,
                "ASSURED" => ConntrackStatus.Assured,
                "FIXED_TIMEOUT" => ConntrackStatus.FixedTimeout,
                // not transferable: the target sets these itself
                "UNSET" or "EXPECTED" or "CONFIRMED" or "OFFLOAD" or "HW_OFFLOAD" => ConntrackStatus.None,
                _ => throw new ConntrackParseException($"unknown status '{part}'", line),
            };
        }
        return status;
    }

    private static uint ParseMark(string s, string line)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && uint.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            return hex;
        return ParseU32(s, "mark", line);
    }

    private static uint ParseU32(string s, string what, string line) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ConntrackParseException($"bad {what} '{s}'", line);

    private static ushort ParseU16(string s, string what, string line)
    {
        // gre keys are printed in hex
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ushort.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            return hex;
        return ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ConntrackParseException($"bad {what} '{s}'", line);
    }

    private static byte ParseU8(string s, string what, string line) =>
        byte.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ConntrackParseException($"bad {what} '{s}'", line);
}
