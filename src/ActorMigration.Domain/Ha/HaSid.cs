using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Ha;

/// <summary>HA resource ids: <c>vm:&lt;vmid&gt;</c>, or a plain <c>&lt;vmid&gt;</c> as Proxmox accepts it.</summary>
public static class HaSid
{
    // pve-ha-resource-or-vm-id; ASCII \S and digits, \z (no final newline).
    private static readonly Regex Format = new(@"^([a-z]+:[^\s]+|[0-9]+)\z", RegexOptions.Compiled);
    private static readonly Regex Plain = new(@"^[0-9]+\z", RegexOptions.Compiled);
    // PVEVM's verify_name.
    private static readonly Regex VmName = new(@"^[1-9][0-9]+\z", RegexOptions.Compiled);

    public static string OfVm(int vmid) => $"vm:{vmid}";

    /// <summary>The schema check of the parameter (a 400), Proxmox's text.</summary>
    public static string? FormatError(string value) =>
        Format.IsMatch(value) ? null : "value does not look like a valid ha resource id";

    public static bool IsPlainVmId(string value) => Plain.IsMatch(value);

    /// <summary>
    /// parse_sid and the VM plugin's checks: the canonical sid and its vmid, or Proxmox's refusal. A plain vmid needs
    /// the VM to exist (<paramref name="vmExists"/>) to be read as <c>vm:&lt;vmid&gt;</c>.
    /// </summary>
    public static (string Sid, int VmId, string? Error) Parse(string value, Func<int, bool> vmExists)
    {
        if (FormatError(value) is not null) return ("", 0, $"unable to parse service id '{value}'");
        if (IsPlainVmId(value))
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !vmExists(id))
                return ("", 0, $"unable to detect SID from VMID - VM/CT {value} does not exist");
            return (OfVm(id), id, null);
        }
        var colon = value.IndexOf(':');
        var (type, name) = (value[..colon], value[(colon + 1)..]);
        if (type != "vm") return ("", 0, $"unknown section type '{type}'");
        if (!VmName.IsMatch(name) || !int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var vmid))
            return ("", 0, "invalid VMID");
        return (OfVm(vmid), vmid, null);
    }

    public static int VmIdOf(string sid) => int.Parse(sid.AsSpan(sid.IndexOf(':') + 1), CultureInfo.InvariantCulture);
}
