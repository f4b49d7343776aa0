using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Maps QMP answers onto the domain records.</summary>
internal static class QmpMapping
{
    public static VmRunState RunState(string? status) => status switch
    {
        "running" => VmRunState.Running,
        "paused" => VmRunState.Paused,
        "inmigrate" => VmRunState.InMigrate,
        "postmigrate" => VmRunState.PostMigrate,
        "finish-migrate" => VmRunState.FinishMigrate,
        "prelaunch" => VmRunState.Prelaunch,
        _ => VmRunState.Other
    };

    public static MigrationState MigrationStatus(string? status) => status switch
    {
        null or "none" => MigrationState.None,
        "setup" => MigrationState.Setup,
        "postcopy-active" or "postcopy-paused" or "postcopy-recover" => MigrationState.PostcopyActive,
        "active" or "wait-unplug" or "colo" => MigrationState.Active,
        "pre-switchover" => MigrationState.PreSwitchover,
        "device" => MigrationState.Device,
        "completed" => MigrationState.Completed,
        "failed" => MigrationState.Failed,
        "cancelling" => MigrationState.Cancelling,
        "cancelled" => MigrationState.Cancelled,
        _ => MigrationState.Active
    };

    /// <summary>query-migrate → <see cref="MigrationProgress"/>; mbps (10^6 bit/s) becomes bytes/s.</summary>
    public static MigrationProgress Migration(JsonNode? r)
    {
        var ram = r?["ram"];
        return new MigrationProgress(
            MigrationStatus(Str(r, "status")),
            TotalBytes: Long(ram, "total") ?? 0,
            TransferredBytes: Long(ram, "transferred") ?? 0,
            RemainingBytes: Long(ram, "remaining") ?? 0,
            SpeedBytesPerSec: (Double(ram, "mbps") ?? 0) * 1_000_000 / 8,
            DirtyPagesRate: Long(ram, "dirty-pages-rate") ?? 0,
            PageSize: Long(ram, "page-size") ?? 4096,
            DirtySyncCount: Long(ram, "dirty-sync-count") ?? 0,
            ExpectedDowntimeMs: Long(r, "expected-downtime"),
            DowntimeMs: Long(r, "downtime"),
            TotalTimeMs: Long(r, "total-time"),
            Error: Str(r, "error-desc"),
            ThrottlePct: (int)(Long(r, "cpu-throttle-percentage") ?? 0));
    }

    public static BlockJobInfo BlockJob(JsonNode j) => new(
        Str(j, "device") ?? "",
        Str(j, "type") ?? "",
        Long(j, "len") ?? 0,
        Long(j, "offset") ?? 0,
        j["ready"]?.GetValue<bool>() ?? false,
        Str(j, "status") ?? "",
        Str(j, "error"));

    public static string? Str(JsonNode? n, string key) => n?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(JsonNode? n, string key)
    {
        if (n?[key] is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<double>(out var d)) return (long)d;
        return null;
    }

    public static double? Double(JsonNode? n, string key)
    {
        if (n?[key] is not JsonValue v) return null;
        if (v.TryGetValue<double>(out var d)) return d;
        if (v.TryGetValue<long>(out var l)) return l;
        return null;
    }
}
