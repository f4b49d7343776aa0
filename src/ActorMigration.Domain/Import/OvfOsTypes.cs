namespace ActorMigration.Domain.Import;

/// <summary>
/// CIM_OperatingSystem.OSType ids (the OVF <c>OperatingSystemSection ovf:id</c>) to Proxmox <c>ostype</c>.
/// Unknown ids give <c>other</c>. The choices follow Proxmox (e.g. 2008 R2 → win7).
/// </summary>
public static class OvfOsTypes
{
    public const string Other = "other";

    private static readonly Dictionary<int, string> Map = Build(
        ("l24", [97, 98]), // Linux 2.4.x (64-bit)
        ("l26", [36, 79, 80, 82, 83, 84, 85, 87, 89, 90, 91, 92, 93, 94, 95, 96, 99, 100, 101, 106, 107, 108, 109]),
        // Linux, RHEL, SUSE, SLES, NLD, Mandriva, TurboLinux, Ubuntu, Debian, 2.6.x, Linux 64, CentOS, Oracle Linux
        ("solaris", [29, 81]),
        ("w2k", [58]),
        // WINNT, XP, XP 64, XP Embedded, Embedded for Point of Service; Proxmox gives WINNT the invalid "winxp"
        ("wxp", [18, 67, 71, 72, 75]),
        ("w2k3", [69, 70]),
        ("wvista", [73, 74]),
        ("w2k8", [76, 77]),
        ("win7", [103, 105]), // Server 2008 R2, Windows 7
        ("win8", [111, 112, 113, 114, 115, 117, 118]), // Server 2011/2012/2012 R2, 8, 8.1
        ("win10", [116, 119, 120, 121]), // Server 2016, 10, 10 64-bit, Server 2019
        ("win11", [122, 123]) // 11 64-bit, Server 2022
    );

    private static Dictionary<int, string> Build(params (string OsType, int[] Ids)[] groups) =>
        groups.SelectMany(g => g.Ids.Select(id => (id, g.OsType))).ToDictionary(x => x.id, x => x.OsType);

    public static string FromCimId(int? id) => id is { } i && Map.TryGetValue(i, out var t) ? t : Other;

    public static IReadOnlyDictionary<int, string> Table => Map;
}
