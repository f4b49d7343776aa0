namespace ActorMigration.SystemTests.Copies;

/// <summary>Why tests that set root-only config keys through a member process are skipped for now.</summary>
public static class RootOnly
{
    public const string NoRootSession =
        "vmgenid is root-only as in Proxmox (check_vm_modify_config_perm) and a member process offers no root@pam login yet " +
        "(issue 11: the admin token is a token, never root); the rules are covered in-process by ConfigCompatTests with a root@pam session";
}
