using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Vms;

/// <summary>How the VM record writes an <see cref="EditVmConfig"/> into its config, by its <see cref="ConfigEditMode"/>.</summary>
public static class PendingEdit
{
    public static void Apply(QmConfig cfg, EditVmConfig e)
    {
        switch (e.Mode)
        {
            case ConfigEditMode.Direct:
                foreach (var k in e.Delete) cfg.Main.Remove(k);
                foreach (var (k, v) in e.Set) cfg[k] = v;
                break;
            case ConfigEditMode.ApplyPending:
                PendingChanges.ApplyAll(cfg);
                break;
            case ConfigEditMode.Stopped:
                PendingChanges.Stage(cfg, e.Set, e.Delete, e.Force);
                PendingChanges.ApplyAll(cfg);
                break;
            case ConfigEditMode.Running:
                PendingChanges.Stage(cfg, e.Set, e.Delete, e.Force);
                {
                    var hotplug = cfg.Main["hotplug"];
                    PendingChanges.ApplyLive(cfg, (k, v) => PendingChanges.CanApplyLive(cfg, hotplug, k, v));
                    break;
                }
        }
        // Without a cloud-init drive the changes since its image mean nothing (vmconfig_register_unused_drive).
        CloudInit.CloudInitChanges.Normalize(cfg);
    }
}
