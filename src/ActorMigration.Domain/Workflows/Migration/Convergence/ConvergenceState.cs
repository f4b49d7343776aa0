using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Workflows.Migration.Convergence;

/// <summary>
/// What a convergence policy remembers between samples (persisted with the workflow). <paramref name="Tuning"/>: the
/// settings QEMU has now (<see cref="MigrationTuning.ThrottleCeilingPct"/> null: QEMU's own throttle steps);
/// <paramref name="LowestRemainingBytes"/> and <paramref name="ProgressAtSec"/>: the progress watermark (the lowest
/// remaining data seen, and when); <paramref name="Iteration"/>: the last iteration decided on and
/// <paramref name="PassBytes"/> what it had to send (the remaining data first seen in it).
/// </summary>
public sealed record ConvergenceState(
    MigrationTuning Tuning,
    bool AutoConverge,
    bool PostCopyStarted = false,
    long LowestRemainingBytes = long.MaxValue,
    double ProgressAtSec = 0,
    long Iteration = 0,
    long PassBytes = 0,
    double LastActionSec = 0);

/// <summary>What a policy does about a sample: nothing, or one action, with the reason that goes into the task log.</summary>
public abstract record ConvergenceAction(string Reason);

/// <summary>Set a new downtime limit and/or throttle ceiling (migrate-set-parameters).</summary>
public sealed record TuneAction(MigrationTuning Tuning, string Reason) : ConvergenceAction(Reason);

/// <summary>Switch to post-copy (migrate-start-postcopy).</summary>
public sealed record PostcopyAction(string Reason) : ConvergenceAction(Reason);

/// <summary>Give up: the migration is cancelled and rolled back.</summary>
public sealed record AbortAction(string Reason) : ConvergenceAction(Reason);

public sealed record ConvergenceDecision(ConvergenceState State, ConvergenceAction? Action = null);
