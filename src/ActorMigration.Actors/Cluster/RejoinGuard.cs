using Akka.Actor;
using Akka.Event;

namespace ActorMigration.Actors.Cluster;

/// <summary>
/// Joins the seeds only once a previous incarnation of this member that died without leaving has been removed by the
/// others for a while (unreachable, downed and removed: about 7 s after its last heartbeat). A new incarnation that
/// joined up to about 3 s after the removal was, in tests, sometimes left with a silent link to the member that had
/// removed it, and the split-brain resolver then downed both ends of that link (two of three members); joining 6 s or
/// more after the removal never was. The member touches <c>member.alive</c> in its data directory every second and deletes it once it
/// has left; a start that finds the file waits until <see cref="Quiet"/> after the file's last touch.
/// </summary>
public static class RejoinGuard
{
    public const string FileName = "member.alive";

    /// <summary>Failure detection (3 s) + stable-after (1.5 s) + removal (about 1 s) on a busy machine, plus 7 s after the removal.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(16);

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
        var delay = DelayBeforeJoin(dataDir, DateTime.UtcNow);
        var touching = system.Scheduler.Advanced.ScheduleRepeatedlyCancelable(TimeSpan.Zero, TimeSpan.FromSeconds(1), () => Touch(file));
        cluster.RegisterOnMemberRemoved(() =>
        {
            touching.Cancel();
            File.Delete(file);
        });
        if (delay > TimeSpan.Zero)
            system.Log.Warning("A previous incarnation of this member stopped without leaving the cluster; joining in {DelaySeconds:F1} s, "
                + "once the others have removed it", delay.TotalSeconds);
        system.Scheduler.Advanced.ScheduleOnce(delay, () => cluster.JoinSeedNodes(seeds));
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
