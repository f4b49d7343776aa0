using Akka.Actor;
using Akka.Event;

namespace ActorMigration.Actors.Cluster;

/// <summary>
/// Joins the seeds only once a previous incarnation of this member that died or was downed has been removed by the others
/// for a while (unreachable, downed and removed: about 7 s after its last heartbeat). The member touches
/// <c>member.alive</c> in its data directory every second and deletes it once it has left the cluster on request; a start
/// that finds the file waits until <see cref="Quiet"/> after the file's last touch. A restarted first seed then joins the
/// other seeds only, for <see cref="AloneAfter"/>: the first seed forms a new cluster when no other seed answers within
/// seed-node-timeout (5 s), and a slow answer must not give two clusters (docs/cluster.md).
/// </summary>
public static class RejoinGuard
{
    public const string FileName = "member.alive";

    /// <summary>Failure detection (3 s) + stable-after (1.5 s) + removal (about 1 s) on a busy machine, plus 7 s after the removal.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(16);

    /// <summary>How long a restarted first seed tries the other seeds before it may form a cluster of its own.</summary>
    public static readonly TimeSpan AloneAfter = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The seeds of the first join attempt: all of them, except that a restarted member (<paramref name="restarted"/>) that
    /// is the first seed leaves itself out, so that it can only join a cluster that still runs.
    /// </summary>
    public static IReadOnlyList<Address> FirstAttempt(IReadOnlyList<Address> seeds, Address self, bool restarted) =>
        restarted && seeds.Count > 1 && seeds[0].Equals(self) ? [.. seeds.Skip(1)] : seeds;

    /// <summary>How long to wait before joining: zero unless a previous incarnation was alive less than <see cref="Quiet"/> ago.</summary>
    public static TimeSpan DelayBeforeJoin(string dataDir, DateTime utcNow)
    {
        var file = Path.Combine(dataDir, FileName);
        if (!File.Exists(file)) return TimeSpan.Zero;
        var left = File.GetLastWriteTimeUtc(file) + Quiet - utcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>Joins <paramref name="seeds"/> after the delay, and keeps <c>member.alive</c> fresh until this member is removed.</summary>
    public static void Join(ActorSystem system, string dataDir, IReadOnlyList<Address> seeds)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var file = Path.Combine(dataDir, FileName);
        var restarted = File.Exists(file);
        var delay = DelayBeforeJoin(dataDir, DateTime.UtcNow);
        var touching = system.Scheduler.Advanced.ScheduleRepeatedlyCancelable(TimeSpan.Zero, TimeSpan.FromSeconds(1), () => Touch(file));
        cluster.RegisterOnMemberRemoved(() =>
        {
            touching.Cancel();
            // A downed member keeps the file: when it is restarted, it is a restarted member like one that crashed.
            if (CoordinatedShutdown.Get(system).ShutdownReason is not CoordinatedShutdown.ClusterDowningReason) File.Delete(file);
        });
        if (delay > TimeSpan.Zero)
            system.Log.Warning("A previous incarnation of this member stopped without leaving the cluster; joining in {DelaySeconds:F1} s, "
                + "once the others have removed it", delay.TotalSeconds);
        var first = FirstAttempt(seeds, cluster.SelfAddress, restarted);
        system.Scheduler.Advanced.ScheduleOnce(delay, () => cluster.JoinSeedNodes(first));
        if (first.Count == seeds.Count) return;
        system.Scheduler.Advanced.ScheduleOnce(delay + AloneAfter, () =>
        {
            if (cluster.State.Members.Any(m => m.UniqueAddress.Equals(cluster.SelfUniqueAddress))) return;
            system.Log.Warning("No other seed answered within {AloneSeconds} s; this first seed may now form a cluster of its own",
                AloneAfter.TotalSeconds);
            cluster.JoinSeedNodes(seeds);
        });
    }

    private static void Touch(string file)
    {
        try
        {
            File.WriteAllText(file, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            // A full or read-only disk: the next start may join at once, as it did before this guard.
        }
    }
}
