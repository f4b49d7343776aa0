using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>The simulated node's VMs are its state files: fencing removes them all, as a host reset would end the VMs.</summary>
public sealed class SimulatedNodeFence : INodeFence
{
    public IReadOnlyList<FencedProcess> KillAll(string runDir)
    {
        var dir = SimPaths.VmDir(runDir);
        if (!Directory.Exists(dir)) return [];
        var killed = new List<FencedProcess>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
        {
            if (SimFiles.ReadJson<SimVmState>(file) is not { } vm) continue;
            End(runDir, vm, DateTimeOffset.UtcNow);
            killed.Add(new FencedProcess("simulated VM", vm.Pid, vm.VmId));
        }
        return killed;
    }

    /// <summary>The simulated process is gone: its state file, and an incoming VM's source learns its target is gone.</summary>
    internal static void End(string runDir, SimVmState vm, DateTimeOffset now)
    {
        var received = SimPaths.ReceivedFile(runDir, vm.VmId, vm.Pid);
        SimFiles.DeleteIfExists(SimPaths.VmFile(runDir, vm.VmId));
        SimFiles.DeleteIfExists(received);
        if (vm.State == VmRunState.InMigrate) SimFiles.WriteJson(SimPaths.GoneFile(received), new SimTargetGone(now));
    }
}
