namespace ActorMigration.TestSupport;

/// <summary>A member's storage.cfg (written before its first start) whose <c>shared</c> storage is one directory for all members.</summary>
public static class SharedStorage
{
    public static string NewDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "am-shared-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Write(string dataDir, string sharedDir)
    {
        Directory.CreateDirectory(dataDir);
        File.WriteAllText(Path.Combine(dataDir, "storage.cfg"),
            $"dir: local\n\tpath {Path.Combine(dataDir, "nodes", "{node}", "local")}\n\tcontent images,iso,import,backup\n\n" +
            $"dir: shared\n\tpath {sharedDir}\n\tcontent images,iso,import,backup\n\tshared 1\n");
    }
}
