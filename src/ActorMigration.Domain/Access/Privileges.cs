namespace ActorMigration.Domain.Access;

/// <summary>
/// Proxmox's privileges and built-in roles, grouped as pve-access-control groups them: per category the
/// privileges only root holds, those of an admin, of a user and of an auditor. Roles are derived from the groups
/// (PVE&lt;Cat&gt;Admin = admin+user+audit, PVE&lt;Cat&gt;User = user+audit, PVEAuditor = every audit, PVEAdmin = every
/// admin+user+audit, Administrator = all, NoAccess = none).
/// </summary>
public static class Privileges
{
    private sealed record Group(string Category, string[] Root, string[] Admin, string[] User, string[] Audit);

    private static readonly Group[] Groups =
    [
        new("VM", [],
            ["VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network", "VM.Config.HWType", "VM.Config.Options",
                "VM.Allocate", "VM.Clone", "VM.Migrate", "VM.Monitor", "VM.Snapshot", "VM.Snapshot.Rollback"],
            ["VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.Backup", "VM.PowerMgmt"],
            ["VM.Audit"]),
        new("Sys", ["Sys.PowerMgmt", "Sys.Modify"], ["Permissions.Modify", "Sys.Console", "Sys.Syslog"], [], ["Sys.Audit"]),
        new("Datastore", [], ["Datastore.Allocate", "Datastore.AllocateTemplate"], ["Datastore.AllocateSpace"], ["Datastore.Audit"]),
        new("SDN", [], ["SDN.Allocate", "SDN.Audit"], [], ["SDN.Audit"]),
        new("User", ["Realm.Allocate"], ["User.Modify", "Group.Allocate", "Realm.AllocateUser"], [], []),
        new("Pool", [], ["Pool.Allocate"], ["Pool.Audit"], ["Pool.Audit"]),
    ];

    public static readonly IReadOnlySet<string> All =
        Groups.SelectMany(g => g.Root.Concat(g.Admin).Concat(g.User).Concat(g.Audit)).ToHashSet(StringComparer.Ordinal);

    public const string Administrator = "Administrator";
    public const string NoAccess = "NoAccess";

    /// <summary>Built-in roles by name; each set is immutable and shared.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Roles = BuildRoles();

    private static Dictionary<string, IReadOnlySet<string>> BuildRoles()
    {
        var roles = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            [NoAccess] = [],
            [Administrator] = [.. All],
            ["PVEAdmin"] = [],
            ["PVEAuditor"] = [],
            ["PVETemplateUser"] = ["VM.Clone", "VM.Audit"],
        };
        foreach (var g in Groups)
        {
            var admin = g.Admin.Concat(g.User).Concat(g.Audit).ToArray();
            Add(roles, $"PVE{g.Category}Admin", admin);
            Add(roles, "PVEAdmin", admin);
            if (g.User.Length > 0) Add(roles, $"PVE{g.Category}User", g.User.Concat(g.Audit));
            Add(roles, "PVEAuditor", g.Audit);
        }
        return roles.ToDictionary(kv => kv.Key, IReadOnlySet<string> (kv) => kv.Value, StringComparer.Ordinal);
    }

    private static void Add(Dictionary<string, HashSet<string>> roles, string role, IEnumerable<string> privs)
    {
        if (!roles.TryGetValue(role, out var set)) roles[role] = set = new HashSet<string>(StringComparer.Ordinal);
        set.UnionWith(privs);
    }
}
