using System.Globalization;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Import;

/// <summary>
/// Parses an ESXi-style <c>.vmx</c> (with its <c>.vmdk</c> files in the same directory of an import storage)
/// into import metadata, following Proxmox's ESXi import rules.
/// </summary>
public static partial class VmxParser
{
    public const string SourceName = "esxi";

    [GeneratedRegex(@"^(scsi|sata|ide|nvme)(\d{1,3}):(\d{1,3})\.fileName$", RegexOptions.IgnoreCase)]
    private static partial Regex DiskKeyRe();

    [GeneratedRegex(@"^ethernet(\d{1,3})\.present$", RegexOptions.IgnoreCase)]
    private static partial Regex NicKeyRe();

    [GeneratedRegex(@"^serial(\d{1,3})\.present$", RegexOptions.IgnoreCase)]
    private static partial Regex SerialKeyRe();

    [GeneratedRegex(@"^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$", RegexOptions.IgnoreCase)]
    private static partial Regex UuidHexRe();

    private static readonly string[] BusOrder = ["ide", "sata", "scsi", "nvme"];

    private sealed record Device(string Bus, int Controller, int Unit, string File)
    {
        public string Name => $"{Bus}{Controller}:{Unit}";
    }

    /// <summary>
    /// Parses <paramref name="vmxText"/>, the config of volume <paramref name="volid"/> (<c>storage:import/vm/vm.vmx</c>).
    /// Disk files are resolved relative to the .vmx and must exist (<paramref name="fileExists"/> is asked with the
    /// disk's volid); <paramref name="virtualSize"/> optionally gives their size.
    /// <paramref name="guestRunning"/> adds the <c>guest-is-running</c> warning.
    /// </summary>
    /// <exception cref="ImportException">Malformed lines or values, unsafe or missing disk files.</exception>
    public static ImportMetadata Parse(string vmxText, string volid, Func<string, bool> fileExists,
        Func<string, long?>? virtualSize = null, bool guestRunning = false)
    {
        ArgumentNullException.ThrowIfNull(fileExists);
        var (storage, volname) = ImportPaths.SplitVolId(volid);
        if (!volname.EndsWith(".vmx", StringComparison.OrdinalIgnoreCase))
            throw new ImportException($"volume '{volname}' does not look like an importable vm config");
        var vmx = VmxFile.Parse(vmxText);
        var b = new ImportBuilder(SourceName);

        if (GuestName.ToDnsName(vmx["displayName"]) is { } name) b.CreateArgs["name"] = name;
        else b.Notes.Add("the vmx has no usable displayName, generating a default name");

        var (ostype, isWindows) = VmxGuestOs.Map(vmx["guestOS"]);
        b.CreateArgs["ostype"] = ostype;

        var (cores, sockets) = Cpu(vmx);
        if (cores != 1) b.CreateArgs["cores"] = cores.ToString(CultureInfo.InvariantCulture);
        if (sockets != 1) b.CreateArgs["sockets"] = sockets.ToString(CultureInfo.InvariantCulture);

        if (vmx.GetLong("memSize") is { } mem)
        {
            if (mem <= 0) throw new ImportException($"failed to parse vmx: invalid memSize '{mem}'");
            b.CreateArgs["memory"] = mem.ToString(CultureInfo.InvariantCulture);
        }
        else b.Notes.Add("the vmx has no memSize, using the default memory size");

        var efi = string.Equals(vmx["firmware"]?.Trim(), "efi", StringComparison.OrdinalIgnoreCase);
        b.CreateArgs["bios"] = efi ? "ovmf" : "seabios";
        if (efi)
        {
            b.EfiDisk = true;
            b.Warn(ImportWarningType.EfiStateLost, "bios", "ovmf");
        }

        AddNics(b, vmx);

        string? scsihw = null;
        var cdroms = new List<string>();
        AddDisks(b, vmx, storage, volname, fileExists, virtualSize, cdroms, hw =>
        {
            if (scsihw is null) scsihw = hw;
            else if (scsihw != hw) b.Notes.Add($"multiple different SCSI controller types are not supported, using '{scsihw}'");
        });

        scsihw ??= ostype == "l26" ? "virtio-scsi-single" : null;
        if (efi && scsihw is null or "lsi")
        {
            // OVMF has no LSI driver, so the guest could not boot from such a controller.
            scsihw = isWindows ? "pvscsi" : "virtio-scsi-single";
            b.Warn(ImportWarningType.OvmfWithLsiUnsupported, "scsihw", scsihw);
        }
        if (scsihw is not null) b.CreateArgs["scsihw"] = scsihw;

        if (Smbios1Uuid(vmx["uuid.bios"]) is { } uuid) b.CreateArgs["smbios1"] = $"uuid={uuid}";
        foreach (var key in cdroms) b.CreateArgs[key] = "none,media=cdrom";
        AddSerials(b, vmx);

        if (guestRunning) b.Warn(ImportWarningType.GuestIsRunning);
        return b.Build();
    }

    /// <summary>cores = cpuid.coresPerSocket (default 1), sockets = numvcpus / cores.</summary>
    private static (long Cores, long Sockets) Cpu(VmxFile vmx)
    {
        var cps = vmx.GetLong("cpuid.coresPerSocket") ?? 1;
        var total = vmx.GetLong("numvcpus") ?? cps;
        if (cps <= 0) throw new ImportException($"failed to parse vmx: invalid cpuid.coresPerSocket '{cps}'");
        if (total <= 0) throw new ImportException($"failed to parse vmx: invalid numvcpus '{total}'");
        if (total % cps != 0)
            throw new ImportException($"failed to parse vmx: numvcpus ({total}) is not a multiple of cpuid.coresPerSocket ({cps})");
        return (cps, total / cps);
    }

    private static void AddNics(ImportBuilder b, VmxFile vmx)
    {
        var ids = vmx.Matching(NicKeyRe())
            .Where(x => vmx.IsTrue(x.Key))
            .Select(x => int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture))
            .Distinct().Order();
        foreach (var id in ids)
        {
            var p = $"ethernet{id}";
            var key = $"net{id}";
            if (!NetSpec.IsNetKey(key))
                throw new ImportException($"failed to parse vmx: {p} cannot be mapped, Proxmox has net0 to net31 only");
            // No virtualDev: Proxmox assumes vmxnet3.
            var model = vmx[$"{p}.virtualDev"] is { } dev ? NicModels.Map(dev) : "vmxnet3";
            var address = NonEmpty(vmx[$"{p}.address"]);
            var generated = NonEmpty(vmx[$"{p}.generatedAddress"]);
            var isStatic = string.Equals(vmx[$"{p}.addressType"]?.Trim(), "static", StringComparison.OrdinalIgnoreCase);
            var mac = isStatic ? address ?? generated : generated ?? address;
            if (mac is not null && !NetSpec.IsValidMac(mac))
                throw new ImportException($"failed to parse vmx: {p} has an invalid MAC address '{mac}'");
            b.Net[key] = new ImportNet(model, mac?.ToUpperInvariant());
        }
    }

    private static void AddDisks(ImportBuilder b, VmxFile vmx, string storage, string volname,
        Func<string, bool> fileExists, Func<string, long?>? virtualSize, List<string> cdroms, Action<string> setScsiHw)
    {
        var devices = new List<Device>();
        foreach (var (key, m) in vmx.Matching(DiskKeyRe()))
        {
            var dev = new Device(m.Groups[1].Value.ToLowerInvariant(),
                int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
                vmx[key]!.Trim());
            if (!vmx.IsTrue($"{dev.Name}.present") || vmx.IsFalse($"{dev.Bus}{dev.Controller}.present"))
            {
                b.Notes.Add($"{dev.Name} is not present, skipped");
                continue;
            }
            devices.Add(dev);
        }
        // ide, sata, scsi by controller and unit; NVMe last since it becomes SCSI (as Proxmox does).
        var ordered = devices
            .OrderBy(d => Array.IndexOf(BusOrder, d.Bus)).ThenBy(d => d.Controller).ThenBy(d => d.Unit);

        foreach (var d in ordered)
        {
            var what = $"{d.Name} ('{d.File}')";
            var deviceType = vmx[$"{d.Name}.deviceType"] ?? "";
            if (deviceType.Contains("passthru", StringComparison.OrdinalIgnoreCase))
            {
                b.Notes.Add($"{d.Name} is a pass-through device ({deviceType}), skipped");
                continue;
            }
            var nvme = d.Bus == "nvme";
            var bus = nvme ? "scsi" : d.Bus;
            if (bus == "scsi" && !nvme && vmx[$"scsi{d.Controller}.virtualDev"] is { } ctrl)
            {
                if (ctrl.StartsWith("lsi", StringComparison.OrdinalIgnoreCase)) setScsiHw("lsi");
                else if (ctrl.Equals("pvscsi", StringComparison.OrdinalIgnoreCase)) setScsiHw("pvscsi");
            }

            if (deviceType.Contains("cdrom", StringComparison.OrdinalIgnoreCase))
            {
                // The image is not imported: the drive stays empty.
                var key = b.TakeDrive(bus, null, what);
                cdroms.Add(key);
                b.Warn(ImportWarningType.CdromImageIgnored, key, CdromValue(storage, volname, d.File, deviceType));
                b.BootOrder.Add(key);
                continue;
            }

            if (nvme) b.Warn(ImportWarningType.NvmeUnsupported, d.Name, d.File);
            var diskKey = b.TakeDrive(bus, null, what);
            var diskVolname = ImportPaths.ResolveRelative(volname, d.File, $"disk {d.Name}");
            var format = ImportPaths.DiskFormat(d.File, $"disk {d.Name}");
            var diskVolid = $"{storage}:{diskVolname}";
            if (!fileExists(diskVolid))
                throw new ImportException($"disk {d.Name}: image file '{d.File}' referenced by '{volname}' does not exist ({diskVolid})");
            b.Disks[diskKey] = new ImportDisk(diskVolid, virtualSize?.Invoke(diskVolid), format, d.File);
            b.BootOrder.Add(diskKey);
        }
    }

    /// <summary>The volid of an ISO next to the .vmx, else the file name as written (host drive, other datastore).</summary>
    private static string CdromValue(string storage, string volname, string file, string deviceType)
    {
        if (!deviceType.Equals("cdrom-image", StringComparison.OrdinalIgnoreCase)) return file;
        try
        {
            return $"{storage}:{ImportPaths.ResolveRelative(volname, file, "cdrom")}";
        }
        catch (ImportException)
        {
            return file;
        }
    }

    private static void AddSerials(ImportBuilder b, VmxFile vmx)
    {
        var ids = vmx.Matching(SerialKeyRe())
            .Where(x => vmx.IsTrue(x.Key))
            .Select(x => int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture))
            .Distinct().Order();
        var n = 0;
        foreach (var id in ids)
        {
            var key = $"serial{n}";
            if (n > 3)
            {
                b.Notes.Add($"serial{id} skipped, Proxmox has serial0 to serial3 only");
                continue;
            }
            // Proxmox can only offer socket-backed serial ports.
            b.CreateArgs[key] = "socket";
            b.Warn(ImportWarningType.SerialPortSocketOnly, key, NonEmpty(vmx[$"serial{id}.fileType"]));
            n++;
        }
    }

    /// <summary>VMware's "42 1a ... 5e-71 ..." as a UUID, or null.</summary>
    private static string? Smbios1Uuid(string? raw)
    {
        if (raw is null) return null;
        var hex = new string(raw.Where(Uri.IsHexDigit).ToArray());
        var m = UuidHexRe().Match(hex);
        return m.Success ? $"{m.Groups[1]}-{m.Groups[2]}-{m.Groups[3]}-{m.Groups[4]}-{m.Groups[5]}" : null;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
