using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Api.Http;

/// <summary>The cloud-init VM options with qemu-server's formats, and how <c>cipassword</c> is stored (hashed).</summary>
public static class CloudInitOptions
{
    private static readonly Regex UrlEncoded = new(@"^[~:/?#\[\]@!$&'()*+,;=%a-zA-Z0-9\-_.]*\z", RegexOptions.Compiled);
    private static readonly Regex Hashed = new(@"^\$(?:[156]|2[ay])(\$.+){2}", RegexOptions.Compiled);

    public static IEnumerable<ParamSpec> Fixed() =>
    [
        new("ciuser", MaxLength: 256),
        new("cipassword", MaxLength: 256),
        new("sshkeys", MaxLength: 65536, Format: v => UrlEncoded.IsMatch(v) ? null : "invalid urlencoded string"),
        new("nameserver", Format: AddressList),
        new("searchdomain", MaxLength: 256),
        new("citype", Enum: ["configdrive2", "nocloud", "opennebula"]),
        new("cicustom", Format: CheckCustom),
        new("ciupgrade", PType.Boolean),
    ];

    public static ParamSpec? Dynamic(string key) => CloudInitChanges.IsIpConfigKey(key) ? new ParamSpec(key, MaxLength: 1024, Format: CheckIpConfig) : null;

    /// <summary>pve-qm-ipconfig: ip (CIDR or dhcp), gw, ip6 (CIDR, dhcp or auto), gw6.</summary>
    public static string? CheckIpConfig(string value)
    {
        var p = PropertyString.Parse(value);
        foreach (var (k, v) in p.Items)
        {
            var ok = k switch
            {
                "ip" => v == "dhcp" || Cidr(v, AddressFamilyV4),
                "ip6" => v is "dhcp" or "auto" || Cidr(v, AddressFamilyV6),
                "gw" => IPAddress.TryParse(v, out var g) && g.AddressFamily == AddressFamilyV4,
                "gw6" => IPAddress.TryParse(v, out var g6) && g6.AddressFamily == AddressFamilyV6,
                _ => throw new FormatException($"invalid key in comma-separated list property: {k}")
            };
            if (!ok) return $"{k}: value does not look like a " +
                $"valid {(k.EndsWith('6') ? "IPv6" : "IPv4")} {(k.StartsWith("gw") ? "address" : "network configuration")}";
        }
        if (p["gw"] is not null && p["ip"] is null or "dhcp") return "gateway specified without specifying an IP address";
        if (p["gw6"] is not null && p["ip6"] is null or "dhcp" or "auto") return "gateway specified without specifying an IPv6 address";
        return null;
    }

    private const System.Net.Sockets.AddressFamily AddressFamilyV4 = System.Net.Sockets.AddressFamily.InterNetwork;
    private const System.Net.Sockets.AddressFamily AddressFamilyV6 = System.Net.Sockets.AddressFamily.InterNetworkV6;

    private static bool Cidr(string v, System.Net.Sockets.AddressFamily family) =>
        v.Split('/') is [var a, var bits] && IPAddress.TryParse(a, out var ip) && ip.AddressFamily == family
        && int.TryParse(bits, out var n) && Regex.IsMatch(bits, @"^[0-9]+\z") && n >= 0 && n <= (family == AddressFamilyV4 ? 32 : 128);

    private static string? AddressList(string v) =>
        v.Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries).All(a => IPAddress.TryParse(a, out _))
            ? null : $"value '{v}' does not look like a valid address list";

    /// <summary>pve-qm-cicustom: meta, network, user, vendor, each a snippets volume.</summary>
    private static string? CheckCustom(string value)
    {
        foreach (var (k, v) in PropertyString.Parse(value).Items)
        {
            if (k is not ("meta" or "network" or "user" or "vendor")) return $"invalid key in comma-separated list property: {k}";
            if (!VolumeName.TryParse(v, out var vn, out var err)) return $"{k}: {err}";
            if (vn!.VType != "snippets") return $"{k}: {v} is not in the snippets directory";
        }
        return null;
    }

    /// <summary>
    /// API2/Qemu.pm: cipassword is stored as a SHA-256 crypt hash unless it is one already or the guest is Windows
    /// (cloudbase-init needs it in clear). <paramref name="ostype"/> is the VM's after the edit.
    /// </summary>
    public static string StoredPassword(string password, string? ostype) =>
        Hashed.IsMatch(password) || (ostype is not null && ostype.StartsWith('w')) ? password : Sha256Crypt(password);

    /// <summary>Proxmox's encrypt_pw: crypt(3) with a random <c>$5$</c> salt (libcrypt).</summary>
    private static string Sha256Crypt(string password)
    {
        const string alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var salt = new string(RandomNumberGenerator.GetItems<char>(alphabet, 16));
        var hash = Marshal.PtrToStringUTF8(Crypt(password, $"$5${salt}$"));
        return hash is { Length: > 0 } h && h.StartsWith("$5$", StringComparison.Ordinal)
            ? h : throw new InvalidOperationException("crypt(3) failed to hash the password");
    }

    [DllImport("libcrypt.so.1", EntryPoint = "crypt")]
    private static extern IntPtr Crypt([MarshalAs(UnmanagedType.LPUTF8Str)] string key, [MarshalAs(UnmanagedType.LPUTF8Str)] string salt);

    /// <summary>GET config shows a set password masked, as Proxmox does.</summary>
    public const string Masked = "**********";

    /// <summary>Turns a <c>&lt;storage&gt;:cloudinit</c> drive value into the drive of the VM, or null if it is none.</summary>
    public static string? ResolveRequest(string key, string value, int vmid) =>
        Drives.IsDriveKey(key) && DriveSpec.TryParse(value) is { } d && CloudInitDrive.IsRequest(d, out _)
            ? CloudInitDrive.Resolve(d, vmid) : null;
}
