namespace ActorMigration.Drivers.Simulated;

/// <summary>Growing a simulated image: its sidecar's virtual size, and a raw file's length (as qemu-img resize or block_resize).</summary>
internal static class SimImageResize
{
    public static void Grow(string imagePath, string metaPath, long sizeBytes)
    {
        if (!File.Exists(imagePath)) throw new FileNotFoundException($"Could not open '{imagePath}': No such file or directory", imagePath);
        var meta = SimFiles.ReadJson<VolumeMeta>(metaPath) ?? new VolumeMeta { Format = "raw", VirtualSize = new FileInfo(imagePath).Length };
        if (sizeBytes < meta.VirtualSize) throw new InvalidOperationException("qemu-img: Use the --shrink option to perform a shrink operation.");
        meta.VirtualSize = sizeBytes;
        if (meta.Format == "raw")
        {
            using var fs = new FileStream(imagePath, FileMode.Open, FileAccess.Write);
            fs.SetLength(sizeBytes);
        }
        SimFiles.WriteJson(metaPath, meta);
    }
}
