using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>
/// The datacenter's <c>migration</c> option, <c>[type=]&lt;secure|insecure&gt;[,network=&lt;CIDR&gt;]</c> (Proxmox's
/// datacenter.cfg shape), and the per-request <c>migration_type</c>/<c>migration_network</c> that override it. Keys left
/// out are null (the type is then secure).
/// </summary>
public sealed record MigrationNetwork(string? Type, string? Network)
{
    public const string Secure = "secure", Insecure = "insecure";

    private static readonly string[] Keys = ["type", "network"];

    private static readonly Regex Ipv4 = new(@"^(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$");

    /// <summary>The property string; the error is the text after Proxmox's <c>invalid format - </c>.</summary>
    public static (MigrationNetwork? Value, string? Error) Parse(string text)
    {
        PropertyString ps;
        try
        {
            ps = PropertyString.Parse(text, "type");
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
        var errors = new List<string>();
        foreach (var (k, v) in ps.Items)
        {
            if (!Keys.Contains(k)) errors.Add($"{k}: property is not defined in schema and the schema does not allow additional properties");
            else if (k == "type" && v is not (Secure or Insecure))
                errors.Add($"type: value '{v}' does not have a value in the enumeration '{Secure}, {Insecure}'");
            else if (k == "network" && CidrError(v) is { } bad) errors.Add($"network: invalid format - {bad}");
        }
        if (errors.Count > 0) return (null, "format error\n" + string.Join("\n", errors));
        return (new MigrationNetwork(ps["type"], ps["network"]), null);
    }

    /// <summary>As datacenter.cfg writes it: the keys that are set.</summary>
    public string Format() => string.Join(',', new[] { Type is { } t ? $"type={t}" : null, Network is { } n ? $"network={n}" : null }.OfType<string>());

    /// <summary>As GET /cluster/options returns it (parse_property_string's hash): the keys that are set.</summary>
    public IReadOnlyDictionary<string, string> ToObject()
    {
        var o = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Type is { } t) o["type"] = t;
        if (Network is { } n) o["network"] = n;
        return o;
    }

    public override string ToString() => Format();

    /// <summary>Proxmox's precedence: a request's migration_type/migration_network over the datacenter's, secure by default.</summary>
    public static MigrationNetwork Effective(MigrationNetwork? cluster, string? requestType, string? requestNetwork) =>
        new(requestType ?? cluster?.Type ?? Secure, requestNetwork ?? cluster?.Network);

    /// <summary>pve_verify_cidr: an IPv4 address with a prefix of 8..32, or an IPv6 one with 8..128.</summary>
    public static string? CidrError(string value) => TryCidr(value, out _, out _) ? null : "value does not look like a valid CIDR network";

    /// <summary>
    /// get_local_migration_ip, with one address per node: the target's address must lie in the network.
    /// Null when it does (or no network is set), else Proxmox's error.
    /// </summary>
    public static string? AddressError(string? network, string address)
    {
        if (network is null) return null;
        return TryCidr(network, out var net, out var bits) && TryAddress(address, out var ip) && Contains(net, bits, ip)
            ? null
            : $"could not get migration ip: no IP address configured on local node for network '{network}'";
    }

    private static bool TryCidr(string value, out IPAddress address, out int bits)
    {
        address = IPAddress.None;
        bits = 0;
        if (value.Split('/') is not [var a, var b] || !Regex.IsMatch(b, @"^[0-9]{1,3}$")) return false;
        bits = int.Parse(b, CultureInfo.InvariantCulture);
        if (!TryAddress(a, out address)) return false;
        return bits > 7 && bits <= (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
    }

    // Strict: IPAddress.TryParse also takes "10" or "10.1" as IPv4.
    private static bool TryAddress(string value, out IPAddress address)
    {
        address = IPAddress.None;
        if (Ipv4.IsMatch(value)) return IPAddress.TryParse(value, out address!);
        return value.Contains(':') && !value.Contains('%') && IPAddress.TryParse(value, out address!)
            && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    private static bool Contains(IPAddress network, int bits, IPAddress address)
    {
        if (network.AddressFamily != address.AddressFamily) return false;
        var n = network.GetAddressBytes();
        var a = address.GetAddressBytes();
        for (var i = 0; i < n.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((n[i] & mask) != (a[i] & mask)) return false;
        }
        return true;
    }
}
