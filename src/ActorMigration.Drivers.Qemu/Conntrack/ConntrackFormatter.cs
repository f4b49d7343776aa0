using System.Globalization;

namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>Renders entries as `conntrack -I` arguments and as save lines (`--load-file` input).</summary>
public static class ConntrackFormatter
{
    /// <summary>One save line ("-A …"), the wire format of <see cref="LinuxConntrackDriver.DumpAsync"/>.</summary>
    public static string ToSaveLine(ConntrackEntry entry) => "-A " + string.Join(' ', Arguments(entry));

    /// <summary>Arguments of `conntrack -I` that re-create the entry.</summary>
    public static IReadOnlyList<string> ToCreateArguments(ConntrackEntry entry) => ["-I", .. Arguments(entry)];

    /// <summary>Option/value pairs shared by both forms; every value is a separate argument.</summary>
    public static IEnumerable<string> Arguments(ConntrackEntry e)
    {
        // the kernel refuses a zero timeout
        yield return "-t"; yield return N(Math.Max(1u, e.Timeout));

        // -u must precede --mark: conntrack 1.4.7 lets a later -u overwrite the mark
        var flags = new List<string>(3);
        if (e.Status.HasFlag(ConntrackStatus.SeenReply)) flags.Add("SEEN_REPLY");
        if (e.Status.HasFlag(ConntrackStatus.Assured)) flags.Add("ASSURED");
        if (e.Status.HasFlag(ConntrackStatus.FixedTimeout)) flags.Add("FIXED_TIMEOUT");
        if (flags.Count > 0) { yield return "-u"; yield return string.Join(',', flags); }

        if (e.Zone is { } zone) { yield return "-w"; yield return N(zone); }

        yield return "-s"; yield return e.Original.Source.ToString();
        yield return "-d"; yield return e.Original.Destination.ToString();
        yield return "-r"; yield return e.Reply.Source.ToString();
        yield return "-q"; yield return e.Reply.Destination.ToString();
        yield return "-p"; yield return e.ProtocolName;

        if (ConntrackProtocols.HasPorts(e.Protocol))
        {
            yield return "--sport"; yield return N(e.Original.SourcePort!.Value);
            yield return "--dport"; yield return N(e.Original.DestinationPort!.Value);
            yield return "--reply-port-src"; yield return N(e.Reply.SourcePort!.Value);
            yield return "--reply-port-dst"; yield return N(e.Reply.DestinationPort!.Value);
        }
        else if (e.Protocol == ConntrackProtocols.Gre)
        {
            if (e.Original.SourcePort is { } sk) { yield return "--srckey"; yield return N(sk); }
            if (e.Original.DestinationPort is { } dk) { yield return "--dstkey"; yield return N(dk); }
            if (e.Reply.SourcePort is { } rsk) { yield return "--reply-key-src"; yield return N(rsk); }
            if (e.Reply.DestinationPort is { } rdk) { yield return "--reply-key-dst"; yield return N(rdk); }
        }
        else if (e.Icmp is { } icmp)
        {
            var p = e.Protocol == ConntrackProtocols.Icmp ? "--icmp" : "--icmpv6";
            yield return p + "-type"; yield return N(icmp.Type);
            yield return p + "-code"; yield return N(icmp.Code);
            yield return p + "-id"; yield return N(icmp.Id);
        }

        if (e.State is { } state) { yield return "--state"; yield return state; }
        if (e.OriginalVtag is { } ov) { yield return "--orig-vtag"; yield return N(ov); }
        if (e.ReplyVtag is { } rv) { yield return "--reply-vtag"; yield return N(rv); }

        // NAT bindings: the reply tuple above already holds the translated addresses/ports
        if (e.Status.HasFlag(ConntrackStatus.SrcNat)) { yield return "--src-nat"; yield return e.Reply.Destination.ToString(); }
        if (e.Status.HasFlag(ConntrackStatus.DstNat)) { yield return "--dst-nat"; yield return e.Reply.Source.ToString(); }

        yield return "--mark"; yield return N(e.Mark);
    }

    private static string N(uint v) => v.ToString(CultureInfo.InvariantCulture);
}
