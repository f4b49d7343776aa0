namespace ActorMigration.Drivers.Simulated;

/// <summary>Names of the phases at which a failure can be injected.</summary>
public static class FaultPhase
{
    /// <summary>StartAsync with Incoming throws.</summary>
    public const string StartIncoming = "start-incoming";
    /// <summary>The migration reaches Failed during pre-copy (in the middle of pass <see cref="FaultRule.Iteration"/>).</summary>
    public const string PrecopyIterations = "precopy-iterations";
    /// <summary>The migration fails at switchover; the source VM keeps running.</summary>
    public const string StopAndCopy = "stop-and-copy";
    /// <summary>ConvertAsync, CopyToNbdAsync and RestoreDiskAsync fail half way.</summary>
    public const string CopyDisks = "copy-disks";
    /// <summary>A drive-mirror job fails half way.</summary>
    public const string Mirror = "mirror";
    /// <summary>CreateBackupAsync fails half way.</summary>
    public const string Backup = "backup";
    /// <summary>DeleteAsync of an existing volume fails.</summary>
    public const string DeleteVolumes = "delete-volumes";

    public static readonly IReadOnlyList<string> All = [StartIncoming, PrecopyIterations, StopAndCopy, CopyDisks, Mirror, Backup, DeleteVolumes];

    public static string Normalize(string phase)
    {
        var p = phase.Trim().ToLowerInvariant().Replace('_', '-');
        if (p == "precopy") p = PrecopyIterations;
        return All.Contains(p) ? p : throw new FormatException($"unknown fault phase '{phase}' (known: {string.Join(", ", All)})");
    }
}
