using System.Net;
using System.Net.Sockets;

namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>Layer-3 family of an entry (values as printed by conntrack -o extended).</summary>
public enum ConntrackFamily
{
    IPv4 = 2,
    IPv6 = 10,
}

/// <summary>Status bits that survive a transfer (subset of the kernel's IPS_* bits).</summary>
[Flags]
public enum ConntrackStatus
{
    None = 0,
    /// <summary>Traffic was seen in both directions (absent = [UNREPLIED]).</summary>
    SeenReply = 1,
    /// <summary>[ASSURED]: never evicted early when the table is full.</summary>
    Assured = 2,
    /// <summary>Timeout is not refreshed by packets.</summary>
    FixedTimeout = 4,
    /// <summary>Source NAT binding (reply destination differs from original source).</summary>
    SrcNat = 8,
    /// <summary>Destination NAT binding (reply source differs from original destination).</summary>
    DstNat = 16,
}

/// <summary>One direction of a connection. Ports are GRE keys for gre, null for portless protocols.</summary>
public sealed record ConntrackTuple(
    IPAddress Source,
    IPAddress Destination,
    ushort? SourcePort = null,
    ushort? DestinationPort = null)
{
    /// <summary>The same tuple seen from the other side.</summary>
    public ConntrackTuple Inverted() => new(Destination, Source, DestinationPort, SourcePort);
}

/// <summary>ICMP/ICMPv6 identity of the original direction (the kernel derives the reply).</summary>
public sealed record ConntrackIcmp(byte Type, byte Code, ushort Id);

/// <summary>Identity of an entry inside one table: what the kernel uses to find it.</summary>
public sealed record ConntrackKey(
    ConntrackFamily Family,
    int Protocol,
    ConntrackTuple Original,
    ConntrackIcmp? Icmp,
    ushort Zone)
{
    public override string ToString() =>
        $"{ConntrackProtocols.Name(Protocol)} {End(Original.Source, Original.SourcePort)} -> {End(Original.Destination, Original.DestinationPort)}" +
        (Icmp is null ? "" : $" type {Icmp.Type} code {Icmp.Code} id {Icmp.Id}") + (Zone == 0 ? "" : $" zone {Zone}");

    private static string End(IPAddress a, ushort? port) =>
        port is null ? a.ToString() : a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]:{port}" : $"{a}:{port}";
}

/// <summary>A conntrack entry with everything `conntrack -I` needs to re-create it.</summary>
public sealed record ConntrackEntry(
    ConntrackFamily Family,
    int Protocol,
    ConntrackTuple Original,
    ConntrackTuple Reply,
    uint Timeout,
    ConntrackStatus Status = ConntrackStatus.None,
    string? State = null,
    uint Mark = 0,
    ushort? Zone = null,
    ConntrackIcmp? Icmp = null,
    uint? OriginalVtag = null,
    uint? ReplyVtag = null)
{
    /// <summary>Protocol name as conntrack spells it (tcp, udp, …) or its number.</summary>
    public string ProtocolName => ConntrackProtocols.Name(Protocol);

    public ConntrackKey Key => new(Family, Protocol, Original, Icmp, Zone ?? 0);

    public static ConntrackFamily FamilyOf(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? ConntrackFamily.IPv6 : ConntrackFamily.IPv4;
}

/// <summary>Protocol numbers and what each protocol carries in its tuple.</summary>
public static class ConntrackProtocols
{
    public const int Icmp = 1, Tcp = 6, Udp = 17, Dccp = 33, Gre = 47, IcmpV6 = 58, Sctp = 132, UdpLite = 136;

    private static readonly Dictionary<string, int> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["icmp"] = Icmp, ["tcp"] = Tcp, ["udp"] = Udp, ["dccp"] = Dccp, ["gre"] = Gre,
        ["icmpv6"] = IcmpV6, ["ipv6-icmp"] = IcmpV6, ["sctp"] = Sctp, ["udplite"] = UdpLite,
    };

    public static string Name(int protocol) => protocol switch
    {
        Icmp => "icmp",
        Tcp => "tcp",
        Udp => "udp",
        Dccp => "dccp",
        Gre => "gre",
        IcmpV6 => "icmpv6",
        Sctp => "sctp",
        UdpLite => "udplite",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Name or number (0-255) to number; false when neither.</summary>
    public static bool TryParse(string text, out int protocol)
    {
        if (ByName.TryGetValue(text, out protocol)) return true;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out protocol)
               && protocol is >= 0 and <= 255;
    }

    public static bool HasPorts(int p) => p is Tcp or Udp or UdpLite or Sctp or Dccp;
    public static bool IsIcmp(int p) => p is Icmp or IcmpV6;
    public static bool HasState(int p) => p is Tcp or Sctp or Dccp;
}
