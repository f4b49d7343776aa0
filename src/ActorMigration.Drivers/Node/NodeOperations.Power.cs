using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Drivers.Node;

/// <summary>Reset and pause: the power actions without a step of their own elsewhere (resume is <see cref="ResumeVm"/>).</summary>
public sealed partial class NodeOperations
{
    /// <summary>Resets the running VM; a stopped one has nothing to reset (a rerun after the VM stopped is no failure).</summary>
    public async Task<StepResult> ResetVm(ResetVm s, CancellationToken ct = default)
    {
        if ((await Hypervisor.GetAsync(s.VmId, ct)).IsAlive) await Hypervisor.ResetAsync(s.VmId, ct);
        return Done.Instance;
    }

    public async Task<StepResult> PauseVm(PauseVm s, CancellationToken ct = default)
    {
        await Hypervisor.PauseAsync(s.VmId, ct);
        return Done.Instance;
    }
}
