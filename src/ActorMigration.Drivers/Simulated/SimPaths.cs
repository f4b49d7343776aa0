namespace ActorMigration.Drivers.Simulated;

/// <summary>Layout of the simulation's files under a node's run dir and a storage dir.</summary>
internal static class SimPaths
{
    public static string Root(string runDir) => Path.Combine(runDir, "sim");
    public static string VmDir(string runDir) => Path.Combine(Root(runDir), "vms");
    public static string VmFile(string runDir, int vmid) => Path.Combine(VmDir(runDir), $"{vmid}.json");
    /// <summary>
    /// Written by the source when a migration completes: the incoming VM (this start of it: its pid) then holds the
    /// complete state. A later start of the same vmid has another name, so a stale source cannot mark it.
    /// </summary>
    public static string ReceivedFile(string runDir, int vmid, int pid) => Path.Combine(VmDir(runDir), $"{vmid}.{pid}.received");
    /// <summary>Written when that incoming VM stops without being resumed: its source's migration then fails.</summary>
    public static string GoneFile(string receivedFile) => Path.ChangeExtension(receivedFile, ".gone");

    public static string NbdDir(string runDir) => Path.Combine(Root(runDir), "nbd");
    public static string NbdFile(string runDir, string exportId) => Path.Combine(NbdDir(runDir), $"{exportId}.json");
    public static string ConntrackDir(string runDir) => Path.Combine(Root(runDir), "conntrack");

    /// <summary>Volume metadata lives in a hidden tree beside the volumes: &lt;storage&gt;/.sim/&lt;relpath&gt;.json.</summary>
    public static string MetaRoot(string storageDir) => Path.Combine(storageDir, ".sim");
    public static string MetaFile(string storageDir, string relativePath) => Path.Combine(MetaRoot(storageDir), relativePath + ".json");

    /// <summary>The sidecar of an image file at &lt;storage&gt;/images/&lt;vmid&gt;/&lt;name&gt; (what a running VM holds).</summary>
    public static string MetaFileOfImage(string imagePath)
    {
        var vmDir = Path.GetDirectoryName(imagePath)!;
        var storageDir = Path.GetDirectoryName(Path.GetDirectoryName(vmDir)!)!;
        return MetaFile(storageDir, Path.Combine("images", Path.GetFileName(vmDir), Path.GetFileName(imagePath)));
    }
}
