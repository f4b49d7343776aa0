namespace ActorMigration.Domain.Cluster;

/// <summary>
/// The Proxmox VE release this API answers as: the one home of the version that /version, /nodes/{node}/status
/// (<c>pveversion</c>) and the clients' feature checks see.
/// </summary>
public static class PveVersion
{
    public const string Version = "9.1.2";
    public const string Release = "9.1";
    public const string RepoId = "a1c7e0d2b3f4a5b6";

    /// <summary><c>pve-manager/9.1.2/a1c7e0d2b3f4a5b6</c>, as pveversion prints it.</summary>
    public static string Manager(string version = Version) => $"pve-manager/{version}/{RepoId}";
}
