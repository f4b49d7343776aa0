namespace ActorMigration.Domain.Workflows.Migration.Convergence;

/// <summary>
/// Decides, sample by sample, what to do about a running pre-copy migration. Pure: the same state, sample and settings
/// give the same decision. <see cref="ConvergenceController"/> is the engine's; the simulator bench runs the peers' rules
/// (plain QEMU, Proxmox, KubeVirt) as policies of the same shape.
/// </summary>
public interface IConvergencePolicy
{
    string Name { get; }

    /// <summary>The settings the migration starts with.</summary>
    ConvergenceState Start(ConvergenceSettings settings);

    ConvergenceDecision Decide(ConvergenceState state, ConvergenceSample sample, ConvergenceSettings settings);
}
