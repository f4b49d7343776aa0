using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorMigration.Bench.Fuzz;

/// <summary>A file a request can name, and what is hostile about it.</summary>
internal sealed record FileRef(string VolName, Tag Tags, string? MustRefuse, bool Expensive = false);

/// <summary>
/// Hostile files in node1's local storage (and the shared one): symlinks out of the storage, a symlinked directory,
/// FIFOs, deeply nested and oversized OVFs, crafted backup archives. The symlinks point to decoys in a directory
/// outside the data dir (never to real host files: a write through a link must not damage the machine); the decoys
/// are checked for changes.
/// </summary>
internal sealed class HostileFiles
{
    public const string Decoy = "passwd";
    private readonly Dictionary<string, string> _decoyPrints = new();
    private readonly List<string> _fifos = new();

    public string Outside { get; }

    public static readonly FileRef[] Manifests =
    [
        new("import/good.ovf", Tag.None, null),
        new("import/symdisk.ovf", Tag.Symlink, null),
        new("import/link.ovf", Tag.Symlink, "the manifest is a symlink out of the storage"),
        new("import/symdir/x.ovf", Tag.Symlink, "the manifest is reached through a symlinked directory"),
        new("import/escape.ovf", Tag.Escape, "the disk's path leaves the storage"),
        new("import/xxe.ovf", Tag.Format, null),
        new("import/huge.ovf", Tag.Huge, null),
        new("import/ctl.ovf", Tag.Ctl, null),
        new("import/nosuch.ovf", Tag.Missing, "the manifest does not exist"),
        new("import/fifo.ovf", Tag.Fifo, "the manifest is a FIFO"),
        new("import/fifo.vmx", Tag.Fifo, "the manifest is a FIFO"),
        new("import/deep.ovf", Tag.Deep, "nested deeper than any OVF limit", Expensive: true),
        new("import/deepfw.ovf", Tag.Deep, "nested deeper than any OVF limit", Expensive: true),
        new("import/units.ovf", Tag.Units, "AllocationUnits exponent 2147483647", Expensive: true),
    ];

    public static readonly FileRef[] RawImages =
    [
        new("import/good.raw", Tag.None, null),
        new("import/passwd-link.raw", Tag.Symlink, "the source is a symlink out of the storage"),
        new("import/symdir/disk.raw", Tag.Symlink, "the source is reached through a symlinked directory"),
        new("import/fifo.raw", Tag.Fifo, "the source is a FIFO"),
        new("import/nosuch.raw", Tag.Missing, "the source does not exist"),
    ];

    public static readonly FileRef[] Isos =
    [
        new("iso/good.iso", Tag.None, null),
        new("iso/link.iso", Tag.Symlink, "the ISO is a symlink out of the storage"),
        new("iso/fifo.iso", Tag.Fifo, "the ISO is a FIFO"),
        new("iso/nosuch.iso", Tag.Missing, "the ISO does not exist"),
    ];

    public static FileRef[] Archives(string validBackup) =>
    [
        new(validBackup, Tag.None, null),
        new("backup/vzdump-qemu-150-2020_01_01-00_00_00.tar", Tag.Legacy, null),
        new("backup/vzdump-qemu-151-2020_01_01-00_00_00.tar", Tag.BadArchive, null),
        new("backup/vzdump-qemu-155-2020_01_01-00_00_00.tar", Tag.BadArchive | Tag.Long, "the config entry is 64 MiB", Expensive: true),
        new("backup/vzdump-qemu-153-2020_01_01-00_00_00.tar", Tag.Symlink, "the archive is a symlink out of the storage"),
        new("backup/vzdump-qemu-154-2020_01_01-00_00_00.tar", Tag.Fifo, "the archive is a FIFO"),
        new("backup/vzdump-qemu-156-2020_01_01-00_00_00.tar", Tag.Missing, "the archive does not exist"),
        // A valid archive whose disk entry is a huge hole: streamed, it restores quickly; read whole, it hangs.
        new("backup/vzdump-qemu-152-2020_01_01-00_00_00.tar", Tag.Sparse, null, Expensive: true),
    ];

    /// <summary>A VM id whose image directory holds a FIFO volume: creating that VM lists it.</summary>
    public const int FifoImageVmId = 777;

    private HostileFiles(string outside) => Outside = outside;

    public static HostileFiles Create(string dataDir, string outside, string validBackupVolName, FuzzOptions o)
    {
        var h = new HostileFiles(outside);
        h.MakeDecoys();
        var local = Path.Combine(dataDir, "nodes", "node1", "local");
        var import = Directory.CreateDirectory(Path.Combine(local, "import")).FullName;
        var iso = Directory.CreateDirectory(Path.Combine(local, "template", "iso")).FullName;
        var dump = Directory.CreateDirectory(Path.Combine(local, "dump")).FullName;

        Sparse(Path.Combine(import, "good.raw"), 64 << 20);
        Sparse(Path.Combine(import, "good-disk.raw"), 64 << 20);
        File.WriteAllText(Path.Combine(import, "good.ovf"), Ovf("good", "good-disk.raw"));
        File.CreateSymbolicLink(Path.Combine(import, "passwd-link.raw"), Path.Combine(outside, Decoy));
        File.CreateSymbolicLink(Path.Combine(import, "link.ovf"), Path.Combine(outside, "x.ovf"));
        Directory.CreateSymbolicLink(Path.Combine(import, "symdir"), outside);
        File.WriteAllText(Path.Combine(import, "symdisk.ovf"), Ovf("symdisk", "passwd-link.raw"));
        File.WriteAllText(Path.Combine(import, "escape.ovf"), Ovf("escape", "../../../../outside/disk.raw"));
        File.WriteAllText(Path.Combine(import, "xxe.ovf"),
            $"<?xml version=\"1.0\"?>\n<!DOCTYPE e [<!ENTITY x SYSTEM \"file://{outside}/{Decoy}\">]>\n"
                + Ovf("xxe", "good-disk.raw", name: "&x;").Split('\n', 2)[1]);
        File.WriteAllText(Path.Combine(import, "huge.ovf"),
            Ovf("huge", "good-disk.raw", capacity: "99999999999999999999", memQty: "99999999999999999999", cpus: "99999999999"));
        File.WriteAllText(Path.Combine(import, "ctl.ovf"), Ovf("ctl", "good-disk.raw", name: "evil&#9;name&#10;boot: cdn&#13;x"));
        File.WriteAllText(Path.Combine(import, "deep.ovf"), Ovf("deep", "good-disk.raw", nest: ("a", o.DeepOvfLevels)));
        File.WriteAllText(Path.Combine(import, "deepfw.ovf"), Ovf("deepfw", "good-disk.raw", nest: ("Firmware", o.DeepOvfLevels / 4)));
        File.WriteAllText(Path.Combine(import, "units.ovf"), Ovf("units", "good-disk.raw", memUnits: "byte * 1^2147483647"));
        foreach (var f in new[] { "fifo.ovf", "fifo.vmx", "fifo.raw" }) h.Fifo(Path.Combine(import, f));

        File.WriteAllBytes(Path.Combine(iso, "good.iso"), new byte[64 << 10]);
        File.CreateSymbolicLink(Path.Combine(iso, "link.iso"), Path.Combine(outside, Decoy));
        h.Fifo(Path.Combine(iso, "fifo.iso"));

        var images = Directory.CreateDirectory(Path.Combine(local, "images", FifoImageVmId.ToString())).FullName;
        h.Fifo(Path.Combine(images, $"vm-{FifoImageVmId}-disk-0.raw"));
        var shared = Directory.CreateDirectory(Path.Combine(dataDir, "shared", "import")).FullName;
        File.CreateSymbolicLink(Path.Combine(shared, "passwd-link.raw"), Path.Combine(outside, Decoy));

        h.Archives(dump, Path.Combine(dump, validBackupVolName["backup/".Length..]), o.SparseMiB);
        return h;
    }

    private void MakeDecoys()
    {
        Directory.CreateDirectory(Outside);
        var passwd = new StringBuilder();
        for (var i = 0; i < 40; i++) passwd.Append($"decoy{i}:x:{1000 + i}:{1000 + i}:not a real account:/home/decoy{i}:/bin/false\n");
        File.WriteAllText(Path.Combine(Outside, Decoy), passwd.ToString());
        Sparse(Path.Combine(Outside, "disk.raw"), 1 << 20);
        File.WriteAllText(Path.Combine(Outside, "x.ovf"), Ovf("outside", "disk.raw"));
        foreach (var f in Directory.GetFiles(Outside)) _decoyPrints[f] = Print(f);
    }

    private void Fifo(string path)
    {
        Posix.MakeFifo(path);
        _fifos.Add(path);
    }

    /// <summary>Lets every reader blocked on one of our FIFOs go on (it reads end-of-file). How many were blocked.</summary>
    public int WakeFifos() => _fifos.Count(f => File.Exists(f) && Posix.WakeFifoReader(f));

    /// <summary>Names the decoys that changed (content, size or mode), or null.</summary>
    public string? DecoyChanges()
    {
        var changed = _decoyPrints.Where(kv => !File.Exists(kv.Key) || Print(kv.Key) != kv.Value).Select(kv => kv.Key).ToList();
        return changed.Count == 0 ? null : string.Join(", ", changed);
    }

    private static string Print(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return $"{bytes.Length}:{File.GetUnixFileMode(path)}:{Convert.ToHexString(SHA256.HashData(bytes))}";
    }

    private static void Sparse(string path, long size)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        fs.SetLength(size);
    }

    /// <summary>A copy of the valid archive whose name carries a VM id beyond Int32, on node1's extra storage.</summary>
    public const string HugeIdArchive = "backup/vzdump-qemu-99999999999-2020_01_01-00_00_00.tar";

    private static string HugeIdPath(string dataDir) =>
        Path.Combine(dataDir, "nodes", "node1", FuzzMember.ExtraStorage, "dump", HugeIdArchive["backup/".Length..]);

    /// <summary>
    /// Places the huge-id archive. Every volume listing of its storage reads the names in dump/ (and clones list every
    /// storage), so it lives on a storage of its own and only around the inputs that aim at it.
    /// </summary>
    public static void PlaceHugeIdArchive(string dataDir, string validBackupVolName)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HugeIdPath(dataDir))!);
        File.Copy(Path.Combine(dataDir, "nodes", "node1", "local", "dump", validBackupVolName["backup/".Length..]), HugeIdPath(dataDir), true);
    }

    public static void RemoveHugeIdArchive(string dataDir) => File.Delete(HugeIdPath(dataDir));

    private void Archives(string dump, string validPath, int sparseMiB)
    {
        // The valid archive's manifest (simulated driver's format) is reused; only the config and the layout change.
        var (config, manifest) = ReadConfigAndManifest(validPath);
        var disks = (JsonNode.Parse(manifest)?["disks"] as JsonArray ?? [])
            .Select(d => (Name: d?["fileName"]?.ToString() ?? "drive-scsi0.raw", Size: (long?)d?["sizeBytes"] ?? 0)).ToList();
        string Name(int vmid) => Path.Combine(dump, $"vzdump-qemu-{vmid}-2020_01_01-00_00_00.tar");

        WriteTar(Name(150), disks, ("qemu-server.conf", "boot: cdn\nbootdisk: scsi0\n" + Without(config, "boot")), ("manifest.json", manifest));
        WriteTar(Name(151), disks, ("qemu-server.conf", "cores: \u0662\ncpulimit: NaN\nballoon: 99999999999999999999\nname: bad\u0001name\n"
            + Without(config, "cores", "cpulimit", "balloon", "name")), ("manifest.json", manifest));
        WriteTar(Name(155), disks, ("qemu-server.conf", config + "description: " + new string('a', 64 << 20) + "\n"), ("manifest.json", manifest));
        File.CreateSymbolicLink(Name(153), Path.Combine(Outside, Decoy));
        Fifo(Name(154));
        // The first entry is a hole of sparseMiB: an archive reader that reads entries whole spends minutes on it.
        using (var fs = new FileStream(Name(152), FileMode.CreateNew, FileAccess.ReadWrite))
        {
            var w = new TarWriter(fs, TarEntryFormat.Pax, leaveOpen: true);
            WriteSparseHeader(fs, "drive-scsi0.raw", (long)sparseMiB << 20);
            w.WriteEntry(Text("qemu-server.conf", config));
            w.WriteEntry(Text("manifest.json", manifest));
            w.Dispose();
        }
    }

    private static string Without(string config, params string[] keys)
    {
        var main = config.Split("\n[", 2)[0];
        return string.Join('\n', main.Split('\n').Where(l => !keys.Any(k => l.StartsWith(k + ":", StringComparison.Ordinal))));
    }

    private static (string Config, string Manifest) ReadConfigAndManifest(string tar)
    {
        string? config = null, manifest = null;
        using var fs = File.OpenRead(tar);
        using var r = new TarReader(fs);
        while ((config is null || manifest is null) && r.GetNextEntry() is { } e)
        {
            if (e.DataStream is null || e.Length > 1 << 20) continue;
            var text = new StreamReader(e.DataStream, Encoding.UTF8).ReadToEnd();
            if (e.Name == "qemu-server.conf") config = text;
            if (e.Name == "manifest.json") manifest = text;
        }
        return (config ?? throw new InvalidDataException($"{tar}: no config"), manifest ?? throw new InvalidDataException($"{tar}: no manifest"));
    }

    private static PaxTarEntry Text(string name, string text) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };

    /// <summary>Config and manifest first, then each disk entry as a hole of its size.</summary>
    private static void WriteTar(string path, List<(string Name, long Size)> disks, params (string Name, string Text)[] texts)
    {
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite);
        var w = new TarWriter(fs, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var (n, t) in texts) w.WriteEntry(Text(n, t));
        foreach (var (n, size) in disks) WriteSparseHeader(fs, n, size);
        w.Dispose();
    }

    /// <summary>A ustar header for a regular file of <paramref name="size"/> bytes whose data is a hole (sizes below 8 GiB).</summary>
    private static void WriteSparseHeader(FileStream fs, string name, long size)
    {
        var h = new byte[512];
        void Put(int at, string s) => Encoding.ASCII.GetBytes(s).CopyTo(h, at);
        Put(0, name);
        Put(100, "0000644\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Put(136, Convert.ToString(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 8).PadLeft(11, '0') + "\0");
        h[156] = (byte)'0';
        Put(257, "ustar\0");
        Put(263, "00");
        for (var i = 148; i < 156; i++) h[i] = (byte)' ';
        Put(148, Convert.ToString(h.Sum(b => b), 8).PadLeft(6, '0') + "\0 ");
        fs.Write(h);
        var padded = (size + 511) / 512 * 512;
        fs.Seek(padded, SeekOrigin.Current);
        fs.SetLength(Math.Max(fs.Length, fs.Position));
    }

    /// <summary>A small OVF 1.0 descriptor with one disk; optional deep nesting inside the VirtualSystem.</summary>
    public static string Ovf(string id, string href, string capacity = "1", string memQty = "512", string memUnits = "byte * 2^20",
        string cpus = "1", string? name = null, (string Element, int Levels)? nest = null)
    {
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.Append("<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" ");
        sb.Append("xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData\">");
        sb.Append($"<References><File ovf:href=\"{href}\" ovf:id=\"file1\"/></References>");
        sb.Append("<DiskSection><Info>disks</Info>");
        sb.Append($"<Disk ovf:capacity=\"{capacity}\" ovf:capacityAllocationUnits=\"byte * 2^30\" ovf:diskId=\"vmdisk1\" ovf:fileRef=\"file1\"/>");
        sb.Append("</DiskSection><NetworkSection><Info>nets</Info><Network ovf:name=\"bridged\"/></NetworkSection>");
        sb.Append($"<VirtualSystem ovf:id=\"{id}\"><Info>vm</Info><Name>{name ?? id}</Name>");
        sb.Append("<OperatingSystemSection ovf:id=\"96\"><Info>os</Info></OperatingSystemSection>");
        if (nest is { } n)
        {
            for (var i = 0; i < n.Levels; i++) sb.Append('<').Append(n.Element).Append('>');
            for (var i = 0; i < n.Levels; i++) sb.Append("</").Append(n.Element).Append('>');
        }
        sb.Append("<VirtualHardwareSection><Info>hw</Info>");
        sb.Append("<Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:InstanceID>1</rasd:InstanceID>");
        sb.Append($"<rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>{cpus}</rasd:VirtualQuantity></Item>");
        sb.Append($"<Item><rasd:AllocationUnits>{memUnits}</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID>");
        sb.Append($"<rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>{memQty}</rasd:VirtualQuantity></Item>");
        sb.Append("<Item><rasd:Address>0</rasd:Address><rasd:InstanceID>3</rasd:InstanceID>");
        sb.Append("<rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>");
        sb.Append("<Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>");
        sb.Append("<rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>");
        sb.Append("<Item><rasd:Connection>bridged</rasd:Connection><rasd:InstanceID>5</rasd:InstanceID>");
        sb.Append("<rasd:ResourceSubType>E1000</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>");
        sb.Append("</VirtualHardwareSection></VirtualSystem></Envelope>\n");
        return sb.ToString();
    }
}
