using ActorMigration.Actors.Cluster;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Api.Setup;

/// <summary>Member settings from the environment (AM_*) and the command line (--data-dir, --driver, ...).</summary>
public sealed record ServerSettings(
    string DataDir,
    string Driver,
    IReadOnlyList<string> HostedNodes,
    IReadOnlyList<string> ClusterNodes,
    int ApiPort,
    string ApiBind,
    int? HttpPort,
    string Persistence,
    string? PgConnection,
    string AkkaHost,
    int AkkaPort,
    IReadOnlyList<string> Seeds,
    int AuthFailDelayMs,
    IReadOnlyDictionary<string, NodeOverride> Overrides,
    string? TestKernelDir,
    IReadOnlyDictionary<string, string> SimOptions,
    string MacPrefix,
    int PollIntervalMs,
    int TaskStartTimeoutMs = 15000,
    IReadOnlyList<string>? DebugLogSources = null,
    string? ClusterTlsDir = null,
    string? ClusterCaFrom = null,
    FenceTimings? Fencing = null,
    FenceArming FenceArming = FenceArming.HaNodes,
    double MigrationCompletionTimeoutPerGiBSec = 150,
    double MigrationProgressTimeoutSec = 150,
    int? ServicePort = null)
{
    /// <summary>The member's cluster TLS files (AM_CLUSTER_TLS_DIR, default &lt;data-dir&gt;/cluster-tls).</summary>
    public string TlsDir => ClusterTlsDir ?? Path.Combine(DataDir, "cluster-tls");

    public static ServerSettings Load(string[] args, IDictionary<string, string?>? env = null)
    {
        var e = env ?? Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(x => (string)x.Key, x => (string?)x.Value);
        // Command-line options override the matching AM_* variables.
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) continue;
            var name = args[i][2..];
            string value;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--")) value = args[++i];
            else value = "1";
            e["AM_" + name.Replace('-', '_').ToUpperInvariant()] = value;
        }

        string Get(string key, string def) => e.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v! : def;
        string[] List(string key, string def) => Get(key, def).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var hosted = List("AM_NODES", "node1,node2,node3");
        var cluster = List("AM_CLUSTER_NODES", string.Join(',', hosted));
        var overrides = new Dictionary<string, NodeOverride>();
        foreach (var n in cluster)
        {
            var p = "AM_NODE_" + n.ToUpperInvariant().Replace('-', '_') + "_";
            string? O(string k) => e.TryGetValue(p + k, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
            overrides[n] = new NodeOverride(O("ADDRESS"), O("VERSION"), O("CPU_VENDOR"),
                O("PORT_START") is { } ps ? int.Parse(ps) : null, O("PORT_END") is { } pe ? int.Parse(pe) : null, O("NETNS"), O("VM_NETNS"));
        }
        var sim = e.Where(kv => kv.Key.StartsWith("AM_SIM_") && kv.Value is not null)
            .ToDictionary(kv => kv.Key["AM_SIM_".Length..].ToLowerInvariant().Replace('_', '-'), kv => kv.Value!);

        // AM_FENCE: auto (arm the nodes that carry HA-managed VMs), 1 (arm every hosted node), 0 (no fencing).
        FenceArming? arming = Get("AM_FENCE", "auto").ToLowerInvariant() switch
        {
            "auto" => FenceArming.HaNodes,
            "1" or "on" or "true" => FenceArming.All,
            "0" or "off" or "false" => null,
            var v => throw new ArgumentException($"AM_FENCE must be auto, 1/on/true or 0/off/false, not '{v}'"),
        };

        return new ServerSettings(
            Path.GetFullPath(Get("AM_DATA_DIR", "./data")),
            Get("AM_DRIVER", "auto"),
            hosted,
            cluster,
            int.Parse(Get("AM_API_PORT", "8006")),
            Get("AM_API_BIND", "127.0.0.1"),
            e.TryGetValue("AM_HTTP_PORT", out var hp) && int.TryParse(hp, out var h) ? h : null,
            Get("AM_PERSISTENCE", "sqlite"),
            e.TryGetValue("AM_PG_CONNECTION", out var pg) ? pg : null,
            Get("AM_AKKA_HOST", "127.0.0.1"),
            int.Parse(Get("AM_AKKA_PORT", "0")),
            List("AM_SEED_NODES", ""),
            int.Parse(Get("AM_AUTH_FAIL_DELAY_MS", "3000")),
            overrides,
            e.TryGetValue("AM_TEST_KERNEL", out var g) && !string.IsNullOrWhiteSpace(g) ? g : null,
            sim,
            Get("AM_MAC_PREFIX", "BC:24:11"),
            int.Parse(Get("AM_POLL_MS", "500")),
            int.Parse(Get("AM_TASK_START_TIMEOUT_MS", "15000")),
            List("AM_LOG_DEBUG", ""),
            e.TryGetValue("AM_CLUSTER_TLS_DIR", out var td) && !string.IsNullOrWhiteSpace(td) ? Path.GetFullPath(td) : null,
            e.TryGetValue("AM_CLUSTER_CA", out var ca) && !string.IsNullOrWhiteSpace(ca) ? Path.GetFullPath(ca) : null,
            arming is null ? null : FenceTimings.FromMilliseconds(Ms("AM_FENCE_TIMEOUT_MS"), Ms("AM_FENCE_MARGIN_MS"), Ms("AM_FENCE_GRACE_MS")),
            arming ?? FenceArming.HaNodes,
            Seconds("AM_MIGRATION_COMPLETION_TIMEOUT_PER_GIB_S", 150),
            Seconds("AM_MIGRATION_PROGRESS_TIMEOUT_S", 150),
            e.TryGetValue("AM_SERVICE_PORT", out var sp) && !string.IsNullOrWhiteSpace(sp) ? int.Parse(sp) : null);

        // A live migration's timeouts (KubeVirt's completionTimeoutPerGiB and progressTimeout), seconds > 0.
        double Seconds(string key, double def) =>
            !e.TryGetValue(key, out var v) || string.IsNullOrWhiteSpace(v) ? def
            : double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var sec)
              && double.IsFinite(sec) && sec > 0 ? sec
            : throw new ArgumentException($"{key} must be a number of seconds > 0, not '{v}'");

        long? Ms(string key) => e.TryGetValue(key, out var v) && long.TryParse(v, out var ms) ? ms : null;
    }
}
