using System.Globalization;

namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>The listing format: "ipv4 2 tcp 6 299 ESTABLISHED src=… dst=… … [ASSURED] mark=100 use=1".</summary>
public static partial class ConntrackParser
{
    // ---- listing format: "ipv4 2 tcp 6 299 ESTABLISHED src=… dst=… sport=… dport=… src=… … [ASSURED] mark=100 use=1"

    private static readonly HashSet<string> TupleKeys = new(StringComparer.Ordinal)
        { "src", "dst", "sport", "dport", "type", "code", "id", "srckey", "dstkey" };

    /// <summary>Parses one line of `conntrack -L` or `conntrack -L -o extended`.</summary>
    public static ConntrackEntry ParseListing(string line)
    {
        var tokens = Tokenize(line);
        var i = 0;
        ConntrackFamily? l3 = null;
        if (tokens.Length > 1 && tokens[0] is "ipv4" or "ipv6" && IsNumber(tokens[1]))
        {
            l3 = tokens[0] == "ipv4" ? ConntrackFamily.IPv4 : ConntrackFamily.IPv6;
            i = 2;
        }
        if (tokens.Length < i + 3) throw new ConntrackParseException("too few fields", line);

        var protoName = tokens[i];
        if (!int.TryParse(tokens[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var proto) || proto > 255)
            throw new ConntrackParseException($"bad protocol number '{tokens[i + 1]}'", line);
        if (protoName != "unknown" && (!ConntrackProtocols.TryParse(protoName, out var byName) || byName != proto))
            throw new ConntrackParseException($"protocol '{protoName}' does not match number {proto}", line);
        RejectUnsupported(proto, line);
        var timeout = ParseU32(tokens[i + 2], "timeout", line);
        i += 3;

        string? state = null;
        if (i < tokens.Length && !tokens[i].Contains('=') && !tokens[i].StartsWith('['))
            state = tokens[i++];

        var orig = new Dictionary<string, string>(StringComparer.Ordinal);
        var reply = new Dictionary<string, string>(StringComparer.Ordinal);
        var phase = 0; // 0 original tuple, 1 reply tuple, 2 trailing attributes
        bool unreplied = false, assured = false;
        uint mark = 0;
        ushort? zone = null;
        for (; i < tokens.Length; i++)
        {
            var tok = tokens[i];
            if (tok.StartsWith('['))
            {
                if (!tok.EndsWith(']')) throw new ConntrackParseException($"malformed flag '{tok}'", line);
                var flag = tok[1..^1];
                if (flag == "UNREPLIED") unreplied = true;
                else
                {
                    if (flag == "ASSURED") assured = true;
                    // OFFLOAD/HW_OFFLOAD and other flags are host-local: ignored
                    if (phase == 1) phase = 2;
                }
                continue;
            }

            var eq = tok.IndexOf('=');
            if (eq <= 0) throw new ConntrackParseException($"unexpected token '{tok}'", line);
            var key = tok[..eq];
            var value = tok[(eq + 1)..];

            if (phase < 2 && TupleKeys.Contains(key))
            {
                if (phase == 0 && key == "src" && orig.ContainsKey("src")) phase = 1;
                var tuple = phase == 0 ? orig : reply;
                if (!tuple.TryAdd(key, value))
                    throw new ConntrackParseException($"'{key}' repeats in the {(phase == 0 ? "original" : "reply")} tuple", line);
                continue;
            }

            // attributes; counters (packets=, bytes=) may sit between the tuples
            if (phase == 1) phase = 2;
            switch (key)
            {
                case "mark": mark = ParseMark(value, line); break;
                case "zone": zone = ParseU16(value, "zone", line); break;
                case "zone-orig" or "zone-reply":
                    throw new ConntrackParseException("directional zones (zone-orig/zone-reply) are not supported", line);
                default: break; // use=, id=, secctx=, labels=, helper=, delta-time=, packets=, bytes=
            }
        }

        if (!orig.ContainsKey("src") || !orig.ContainsKey("dst")) throw new ConntrackParseException("missing original tuple", line);
        if (!reply.ContainsKey("src") || !reply.ContainsKey("dst")) throw new ConntrackParseException("missing reply tuple", line);

        ConntrackTuple Tuple(Dictionary<string, string> t, string dir)
        {
            var s = ParseAddress(t["src"], line);
            var d = ParseAddress(t["dst"], line);
            if (ConntrackProtocols.HasPorts(proto))
            {
                if (!t.TryGetValue("sport", out var sp) || !t.TryGetValue("dport", out var dp))
                    throw new ConntrackParseException($"missing ports in the {dir} tuple", line);
                return new ConntrackTuple(s, d, ParseU16(sp, "port", line), ParseU16(dp, "port", line));
            }
            if (proto == ConntrackProtocols.Gre)
                return new ConntrackTuple(s, d,
                    t.TryGetValue("srckey", out var sk) ? ParseU16(sk, "gre key", line) : null,
                    t.TryGetValue("dstkey", out var dk) ? ParseU16(dk, "gre key", line) : null);
            return new ConntrackTuple(s, d);
        }

        var o = Tuple(orig, "original");
        var r = Tuple(reply, "reply");

        ConntrackIcmp? icmp = null;
        if (ConntrackProtocols.IsIcmp(proto))
        {
            if (!orig.TryGetValue("type", out var ty) || !orig.TryGetValue("code", out var co) || !orig.TryGetValue("id", out var id))
                throw new ConntrackParseException("missing icmp type/code/id", line);
            icmp = new ConntrackIcmp(ParseU8(ty, "icmp type", line), ParseU8(co, "icmp code", line), ParseU16(id, "icmp id", line));
        }

        var status = ConntrackStatus.None;
        if (!unreplied) status |= ConntrackStatus.SeenReply;
        if (assured) status |= ConntrackStatus.Assured;
        // the listing has no NAT bits: a reply tuple that is not the mirrored original means NAT
        var mirror = o.Inverted();
        if (!r.Destination.Equals(mirror.Destination) || (ConntrackProtocols.HasPorts(proto) && r.DestinationPort != mirror.DestinationPort))
            status |= ConntrackStatus.SrcNat;
        if (!r.Source.Equals(mirror.Source) || (ConntrackProtocols.HasPorts(proto) && r.SourcePort != mirror.SourcePort))
            status |= ConntrackStatus.DstNat;

        var entry = new ConntrackEntry(ConntrackEntry.FamilyOf(o.Source), proto, o, r, timeout, status, state, mark, zone, icmp);
        if (l3 is { } f && f != entry.Family)
            throw new ConntrackParseException($"layer-3 protocol '{tokens[0]}' does not match the addresses", line);
        return Validate(entry, line);
    }
}
