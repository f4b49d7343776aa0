namespace ActorMigration.Domain.Import;

/// <summary>
/// VMware <c>guestOS</c> values to Proxmox <c>ostype</c> (case-insensitive, best effort as Proxmox does):
/// known Windows ids map to their version, BSD/Darwin/NetWare/... to <c>other</c>, Solaris to
/// <c>solaris</c>, and everything else (all the Linux ids) to <c>l26</c>.
/// </summary>
public static class VmxGuestOs
{
    private static readonly Dictionary<string, string> Windows = Build(
        ("wxp", ["winNT", "winXPHome", "winXPPro", "winXPPro-64"]),
        ("w2k", ["win2000Pro", "win2000Serv", "win2000AdvServ"]),
        ("w2k3", ["winNetWeb", "winNetStandard", "winNetStandard-64", "winNetEnterprise", "winNetEnterprise-64",
            "winNetDatacenter", "winNetDatacenter-64", "winNetBusiness"]),
        ("wvista", ["winVista", "winVista-64"]),
        ("w2k8", ["longhorn", "winLonghorn", "winLonghorn-64", "windows7Server-64", "windows7srv-64"]),
        ("win7", ["windows7", "windows7-64"]),
        ("win8", ["windows8", "windows8-64", "windows8Server-64", "windows8srv-64"]),
        ("win10", ["windows9", "windows9-64", "windows9srv", "windows9srv-64", "windows9Server-64", "windows2019srv-64"]),
        ("win11", ["windows11-64", "windows12-64", "windows2019srvNext-64", "windows2022srvNext-64"]),
        ("other", ["win31", "win95", "win98"])
    );

    private static readonly Dictionary<string, string> Others = Build(
        ("solaris", ["solaris8", "solaris9", "solaris10", "solaris10-64", "solaris11-64"]),
        ("other", ["other", "other-64", "dos", "os2", "netware5", "netware6", "openserver5", "openserver6",
            "unixware7", "eComStation", "eComStation2"])
    );

    private static Dictionary<string, string> Build(params (string OsType, string[] Ids)[] groups) =>
        groups.SelectMany(g => g.Ids.Select(id => (id, g.OsType)))
            .ToDictionary(x => x.id, x => x.OsType, StringComparer.OrdinalIgnoreCase);

    /// <summary>The Proxmox ostype and whether the guest is Windows.</summary>
    public static (string OsType, bool IsWindows) Map(string? guestOs)
    {
        var g = guestOs?.Trim() ?? "";
        if (Windows.TryGetValue(g, out var w)) return (w, true);
        if (g.StartsWith("win", StringComparison.OrdinalIgnoreCase)) return ("other", true); // an unknown Windows id
        if (Others.TryGetValue(g, out var o)) return (o, false);
        if (g.StartsWith("freebsd", StringComparison.OrdinalIgnoreCase)
            || g.StartsWith("darwin", StringComparison.OrdinalIgnoreCase)
            || g.StartsWith("vmkernel", StringComparison.OrdinalIgnoreCase))
            return ("other", false);
        if (g.StartsWith("solaris", StringComparison.OrdinalIgnoreCase)) return ("solaris", false);
        return ("l26", false);
    }
}
