using System.Text;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Hypervisor;

/// <summary>
/// The VM option <c>cpu</c> (qemu-server's pve-vm-cpu-conf): its check and the QEMU <c>-cpu</c> value it gives,
/// as qemu-server's CPUConfig computes them. Custom models (cpu-models.conf) do not exist here.
/// </summary>
public static class CpuModel
{
    private const string Intel = "GenuineIntel", Amd = "AuthenticAMD", Default = "default";

    private static readonly Dictionary<string, string> Vendors = BuildVendors();

    /// <summary>Proxmox's built-in models: a reported QEMU model plus flags.</summary>
    private static readonly Dictionary<string, string> Builtin = new(StringComparer.Ordinal)
    {
        ["x86-64-v2"] = "+popcnt;+pni;+sse4.1;+sse4.2;+ssse3",
        ["x86-64-v2-AES"] = "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3",
        ["x86-64-v3"] = "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3;+avx;+avx2;+bmi1;+bmi2;+f16c;+fma;+abm;+movbe;+xsave",
        ["x86-64-v4"] = "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3;+avx;+avx2;+bmi1;+bmi2;+f16c;+fma;+abm;+movbe;+xsave"
            + ";+avx512f;+avx512bw;+avx512cd;+avx512dq;+avx512vl",
    };

    private static readonly Dictionary<string, string> Deprecated = new(StringComparer.Ordinal)
    {
        ["Icelake-Client"] = "Icelake-Server",
        ["Icelake-Client-noTSX"] = "Icelake-Server-noTSX",
    };

    /// <summary>The flags a VM's own config may set, for security reasons (qemu-server's list).</summary>
    public static readonly string[] VmFlags =
        ["nested-virt", "md-clear", "pcid", "spec-ctrl", "ssbd", "ibpb", "virt-ssbd", "amd-ssbd", "amd-no-ssb", "pdpe1gb", "hv-tlbflush", "hv-evmcs", "aes"];

    private static readonly string[] Keys = ["cputype", "reported-model", "hidden", "hv-vendor-id", "flags", "guest-phys-bits", "phys-bits"];
    private static readonly Regex AnyFlags = new(@"^[+-][a-zA-Z0-9\-_.]+(;[+-][a-zA-Z0-9\-_.]+)*\z", RegexOptions.Compiled);
    private static readonly string VmFlagAlternatives = string.Join('|', VmFlags.Select(Regex.Escape));
    private static readonly Regex VmFlagList = new($@"^[+-]({VmFlagAlternatives})(;[+-]({VmFlagAlternatives}))*\z", RegexOptions.Compiled);
    private static readonly Regex VendorId = new(@"^[a-zA-Z0-9]{1,12}\z", RegexOptions.Compiled);

    /// <summary>Every model name a VM may use (built-in and QEMU models Proxmox lists).</summary>
    public static IEnumerable<string> Models => Vendors.Keys.Concat(Builtin.Keys);

    /// <summary>Why <paramref name="value"/> is no valid <c>cpu</c> option (Proxmox's texts), or null.</summary>
    public static string? Check(string value)
    {
        PropertyString p;
        try
        {
            p = PropertyString.Parse(value, "cputype");
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        foreach (var (k, v) in p.Items)
        {
            if (!Keys.Contains(k)) return $"invalid key in comma-separated list property: {k}";
            var e = k switch
            {
                "hidden" => v is "0" or "1" ? null : $"type check ('boolean') failed - got '{v}'",
                "hv-vendor-id" => VendorId.IsMatch(v) ? null : "value does not match the regex pattern",
                "flags" => AnyFlags.IsMatch(v) ? null : "value does not match the regex pattern",
                "guest-phys-bits" => int.TryParse(v, out var g) && Regex.IsMatch(v, @"^[0-9]+\z") && g is >= 32 and <= 64
                    ? null : "value must be an integer between 32 and 64",
                "phys-bits" => Regex.IsMatch(v, @"^(host|[0-9]{1,2})\z") && (v == "host" || int.Parse(v) is >= 8 and <= 64)
                    ? null : "value must be an integer between 8 and 64 or 'host'",
                _ => null
            };
            if (e is not null) return $"{k}: {e}";
        }
        var type = p["cputype"];
        if (string.IsNullOrEmpty(type)) return "CPU is missing cputype";
        if (type.StartsWith("custom-", StringComparison.Ordinal)) return $"Custom cputype '{type[7..]}' not found";
        if (!Vendors.ContainsKey(type) && !Builtin.ContainsKey(type))
            return $"Built-in cputype '{type}' is not defined (missing 'custom-' prefix?)";
        if (p["flags"] is { Length: > 0 } flags && !VmFlagList.IsMatch(flags))
            return $"VM-specific CPU flags must be a subset of: {string.Join(", ", VmFlags)}";
        if (p.Has("reported-model")) return "Property 'reported-model' not allowed in VM-specific CPU config.";
        return null;
    }

    /// <summary>
    /// QEMU's <c>-cpu</c> value for a VM, as qemu-server's get_cpu_options gives it (without Hyper-V enlightenments).
    /// Null when the VM sets no cpu and runs under TCG: QEMU's default there is Proxmox's qemu64.
    /// <paramref name="hostVendor"/> decides what nested-virt means for generic models.
    /// </summary>
    public static string? QemuArgument(string? cpu, bool kvm, string? ostype, string? hostVendor)
    {
        if (string.IsNullOrEmpty(cpu) && !kvm) return null;
        var p = string.IsNullOrEmpty(cpu) ? new PropertyString() : PropertyString.Parse(cpu, "cputype");
        var type = p["cputype"] ?? (kvm ? "kvm64" : "qemu64");
        string? modelFlags = null;
        if (Builtin.TryGetValue(type, out var bf))
        {
            modelFlags = bf;
            type = "qemu64";
        }
        if (Deprecated.TryGetValue(type, out var replacement)) type = replacement;

        var flags = new SortedDictionary<string, (string Op, string? Value)>(StringComparer.Ordinal);
        // get_pve_cpu_flags
        if (type == "kvm64") flags["lahf_lm"] = ("+", null);
        if (ostype == "solaris") flags["x2apic"] = ("-", null);
        if (type is "kvm64" or "kvm32") flags["sep"] = ("+", null);
        if (type.StartsWith("Opteron", StringComparison.Ordinal)) flags["rdtscp"] = ("-", null);
        if (kvm)
        {
            flags["kvm_pv_unhalt"] = ("+", null);
            flags["kvm_pv_eoi"] = ("+", null);
        }
        var vendor = Vendors.GetValueOrDefault(type, Default);
        foreach (var list in new[] { modelFlags, p["flags"] })
            foreach (var f in (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = f[1..];
                if (name == "nested-virt") name = NestedVirtFlag(vendor == Default ? hostVendor : vendor);
                if (name is not null) flags[name] = (f[..1], null);
            }
        if (type != "host" && kvm) flags["enforce"] = ("", null);
        if (p["hidden"] == "1") flags["kvm"] = ("", "off");
        if (p["hv-vendor-id"] is { } hv && kvm && ostype is not null && ostype.StartsWith('w')) flags["hv_vendor_id"] = ("", hv);
        if (vendor != Default) flags["vendor"] = ("", vendor);

        var sb = new StringBuilder(type);
        foreach (var (name, (op, v)) in flags)
            sb.Append(',').Append(op).Append(name).Append(v is null ? "" : "=" + v);
        if (p["guest-phys-bits"] is { } gpb) sb.Append(",guest-phys-bits=").Append(gpb);
        if (p["phys-bits"] is { } pb) sb.Append(pb == "host" ? ",host-phys-bits=true" : ",phys-bits=" + pb);
        return sb.ToString();
    }

    private static string? NestedVirtFlag(string? vendor) => vendor switch
    {
        Intel => "vmx",
        Amd => "svm",
        _ => null
    };

    private static Dictionary<string, string> BuildVendors()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in ("486 pentium pentium2 pentium3 coreduo core2duo Conroe Penryn Nehalem Nehalem-IBRS Westmere Westmere-IBRS " +
                     "SandyBridge SandyBridge-IBRS IvyBridge IvyBridge-IBRS Haswell Haswell-IBRS Haswell-noTSX Haswell-noTSX-IBRS " +
                     "Broadwell Broadwell-IBRS Broadwell-noTSX Broadwell-noTSX-IBRS Skylake-Client Skylake-Client-IBRS " +
                     "Skylake-Client-noTSX-IBRS Skylake-Client-v4 Skylake-Server Skylake-Server-IBRS Skylake-Server-noTSX-IBRS " +
                     "Skylake-Server-v4 Skylake-Server-v5 Cascadelake-Server Cascadelake-Server-v2 Cascadelake-Server-noTSX " +
                     "Cascadelake-Server-v4 Cascadelake-Server-v5 Cooperlake Cooperlake-v2 KnightsMill Icelake-Client " +
                     "Icelake-Client-noTSX Icelake-Server Icelake-Server-noTSX Icelake-Server-v3 Icelake-Server-v4 " +
                     "Icelake-Server-v5 Icelake-Server-v6 SapphireRapids SapphireRapids-v2 GraniteRapids").Split(' '))
            d[m] = Intel;
        foreach (var m in ("athlon phenom Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-IBPB EPYC-v3 EPYC-v4 " +
                     "EPYC-Rome EPYC-Rome-v2 EPYC-Rome-v3 EPYC-Rome-v4 EPYC-Milan EPYC-Milan-v2 EPYC-Genoa").Split(' '))
            d[m] = Amd;
        foreach (var m in "host kvm32 kvm64 qemu32 qemu64 max".Split(' ')) d[m] = Default;
        return d;
    }
}
