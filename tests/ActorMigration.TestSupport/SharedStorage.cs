namespace ActorMigration.TestSupport;

/// <summary>
/// One directory for storage <c>shared</c> on every member of a test cluster, as a real cluster mounts one NFS/Ceph path on
/// every host: a member's storage.cfg (written before its first start) names it, <c>local</c> stays in its own data dir.
/// </summary>
public static class SharedStorage
{
    public static void Use(MemberProcess m, string sharedDir)
    {
        Directory.CreateDirectory(sharedDir);
        const string content = "\tcontent images,iso,import,backup\n";
        File.WriteAllText(Path.Combine(m.DataDir, "storage.cfg"),
            $"dir: local\n\tpath {Path.Combine(m.DataDir, "nodes", "{node}", "local")}\n{content}\n" +
            $"dir: shared\n\tpath {sharedDir}\n{content}\tshared 1\n");
    }
}
