using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Workflows.VmTask;

/// <summary>QMP system_reset: the guest reboots at once, the process stays (qemu-server's vm_reset).</summary>
public sealed record ResetVm(string Key, string Node, int VmId) : WorkflowStep(Key);

/// <summary>QMP stop: the guest's CPUs halt, qmpstatus becomes paused (vm_suspend without todisk). Paused already: no-op.</summary>
public sealed record PauseVm(string Key, string Node, int VmId) : WorkflowStep(Key);

/// <summary>The rules of qemu-server's vm_reboot, vm_reset, vm_suspend and vm_resume, shared by the API and the task.</summary>
public static class PowerActions
{
    public static string NotRunning(int vmid) => $"VM {vmid} not running";

    public const string PausedNoShutdown = "VM is paused - cannot shutdown";

    /// <summary>The four kinds this class decides.</summary>
    public static bool IsPower(string kind) =>
        kind is VmTaskMachine.Reboot or VmTaskMachine.Reset or VmTaskMachine.Suspend or VmTaskMachine.Resume;

    /// <summary>
    /// vm_suspend and vm_resume ignore a backup lock (a suspend-mode backup pauses and resumes the VM itself);
    /// every other lock refuses unless skiplock.
    /// </summary>
    public static bool IgnoresLock(string kind, string lockName) =>
        kind is VmTaskMachine.Suspend or VmTaskMachine.Resume && lockName == "backup";

    /// <summary>Why the action is refused on this runtime, or null (the API's early check and the task's check).</summary>
    public static string? Check(string kind, int vmid, VmRuntime rt) => kind switch
    {
        // vm_reboot asks "paused" first (a paused guest ignores the ACPI request), then "running".
        VmTaskMachine.Reboot when rt.State is VmRunState.Paused or VmRunState.Prelaunch => PausedNoShutdown,
        _ when !rt.IsAlive => NotRunning(vmid),
        _ => null
    };

    /// <summary>The steps of a power action on the checked config <paramref name="configText"/>.</summary>
    public static IEnumerable<WorkflowStep> Steps(VmTaskRequest r, string configText, string upid)
    {
        switch (r.Kind)
        {
            case VmTaskMachine.Reboot:
                // Proxmox: a shutdown, then qmeventd starts the VM again from its config.
                yield return new ShutdownVm("shutdown", r.Node, r.VmId, r.TimeoutSeconds);
                yield return new StartVm("start", r.Node, r.VmId, configText, null, upid);
                break;
            case VmTaskMachine.Reset:
                yield return new ResetVm("reset", r.Node, r.VmId);
                break;
            case VmTaskMachine.Suspend:
                yield return new PauseVm("pause", r.Node, r.VmId);
                break;
            case VmTaskMachine.Resume:
                yield return new ResumeVm("resume", r.Node, r.VmId);
                break;
        }
    }
}
