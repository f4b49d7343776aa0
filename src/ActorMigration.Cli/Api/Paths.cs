namespace ActorMigration.Cli.Api;

/// <summary>API paths relative to /api2/json. UPIDs go raw (':', '@', '!' unescaped).</summary>
public static class Paths
{
    public static string Esc(string segment) => Uri.EscapeDataString(segment);

    public const string Nodes = "nodes";
    public const string Resources = "cluster/resources";
    public const string NextId = "cluster/nextid";
    public static string Qemu(string node) => $"nodes/{Esc(node)}/qemu";
    public static string Vm(string node, long vmid) => $"{Qemu(node)}/{vmid}";
    public static string Tasks(string node) => $"nodes/{Esc(node)}/tasks";
    public static string Task(Upid upid) => $"{Tasks(upid.Node)}/{upid.Raw}";
    public static string TaskLog(Upid upid) => $"{Task(upid)}/log";
    public static string TaskStatus(Upid upid) => $"{Task(upid)}/status";
    public static string MigrateAll(string node) => $"nodes/{Esc(node)}/migrateall";
    public static string Maintenance(string node) => $"nodes/{Esc(node)}/maintenance";
    public const string Rebalance = "cluster/rebalance";
    public const string RebalancePlan = "cluster/rebalance/plan";
}
