using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Import;

/// <summary>
/// Parses an OVF descriptor (from a <c>.ovf</c> file or the one inside an <c>.ova</c>) into import metadata,
/// following Proxmox's rules (PVE::GuestImport::OVF and the dir plugin's get_import_metadata).
/// </summary>
public static partial class OvfParser
{
    private const string OvfNsPrefix = "http://schemas.dmtf.org/ovf/envelope/";
    private const string VboxNs = "http://www.virtualbox.org/ovf/machine";

    /// <summary>Longest descriptor parsed, in characters (the drivers read at most as many bytes).</summary>
    public const int MaxDocumentChars = 4 << 20;

    /// <summary>Deepest element nesting accepted; real descriptors nest fewer than 10 levels.</summary>
    public const int MaxDepth = 64;

    // CIM ResourceType values used here.
    private const int Processor = 3, Memory = 4, IdeController = 5, ScsiController = 6,
        EthernetAdapter = 10, DiskDrive = 17, OtherStorage = 20;

    [GeneratedRegex(@"^(?:ovf:)?/(disk|file)/([A-Za-z0-9\-._~]+)$")]
    private static partial Regex HostResourceRe();

    /// <summary>
    /// Parses <paramref name="xmlText"/>, the descriptor of volume <paramref name="volid"/>
    /// (<c>storage:import/x.ovf</c> or <c>storage:import/x.ova</c>).
    /// For an .ovf every disk must exist next to it (<paramref name="fileExists"/> is asked with the disk's volid)
    /// and <paramref name="virtualSize"/>, when given and not null, gives the disk size (Proxmox reads it from
    /// the image); otherwise the size is the OVF capacity. OVA members are not checked.
    /// </summary>
    /// <exception cref="ImportException">The descriptor is malformed, unsafe or refers to missing/unsafe files.</exception>
    public static ImportMetadata Parse(string xmlText, string volid, Func<string, bool> fileExists, Func<string, long?>? virtualSize = null)
    {
        ArgumentNullException.ThrowIfNull(xmlText);
        ArgumentNullException.ThrowIfNull(fileExists);
        var (storage, volname) = ImportPaths.SplitVolId(volid);
        var isOva = volname.EndsWith(".ova", StringComparison.OrdinalIgnoreCase);
        if (!isOva && !volname.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase))
            throw new ImportException("invalid format");

        var doc = Load(xmlText);
        var b = new ImportBuilder(volname);
        if (isOva) b.Warn(ImportWarningType.OvaNeedsExtracting);

        var envelope = doc.Root!;
        if (envelope.Name.LocalName != "Envelope" || !IsOvfNs(envelope.Name.Namespace))
            throw new ImportException($"failed to parse OVF: root element is '{envelope.Name.LocalName}', expected an OVF 'Envelope'");
        var vs = SingleVirtualSystem(envelope);

        // name: <Name>, else the VirtualSystem's ovf:id
        var rawName = Children(vs, "Name").FirstOrDefault()?.Value;
        if (string.IsNullOrWhiteSpace(rawName)) rawName = Attr(vs, "id");
        if (GuestName.ToDnsName(rawName) is { } name) b.CreateArgs["name"] = name;
        else b.Notes.Add("unable to parse the VM name in this OVF manifest, generating a default value");

        var hw = Children(vs, "VirtualHardwareSection").FirstOrDefault()
                 ?? throw new ImportException("failed to parse OVF: the VirtualSystem has no VirtualHardwareSection");
        var items = hw.Elements()
            .Where(e => e.Name.LocalName is "Item" or "StorageItem" or "EthernetPortItem")
            .Select(e => new Item(e))
            .ToList();

        if (items.FirstOrDefault(i => i.Type == Processor) is { } cpu)
            b.CreateArgs["cores"] = Positive(cpu.Prop("VirtualQuantity"), "CPU count (VirtualQuantity)").ToString(CultureInfo.InvariantCulture);
        else b.Notes.Add("the OVF has no CPU item, using the default core count");

        if (items.FirstOrDefault(i => i.Type == Memory) is { } mem)
            b.CreateArgs["memory"] = MemoryMiB(mem).ToString(CultureInfo.InvariantCulture);
        else b.Notes.Add("the OVF has no memory item, using the default memory size");

        var osSection = Children(vs, "OperatingSystemSection").FirstOrDefault();
        int? osId = int.TryParse(osSection is null ? null : Attr(osSection, "id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        b.CreateArgs["ostype"] = OvfOsTypes.FromCimId(osId);

        var efi = IsEfi(vs, hw);
        if (efi) b.CreateArgs["bios"] = "ovmf";

        AddDisks(b, envelope, items, storage, volname, isOva, fileExists, virtualSize);

        var n = 0;
        foreach (var nic in items.Where(i => i.Type == EthernetAdapter))
        {
            var key = $"net{n++}";
            if (!NetSpec.IsNetKey(key))
                throw new ImportException($"failed to parse OVF: more than {n - 1} network adapters, Proxmox has net0 to net{n - 2} only");
            b.Net[key] = new ImportNet(NicModels.Map(nic.Prop("ResourceSubType")));
        }

        if (efi)
        {
            b.EfiDisk = true;
            b.Warn(ImportWarningType.EfiStateLost, "bios", "ovmf");
        }
        return b.Build();
    }

    /// <summary>
    /// Size and depth are checked by a streaming pass before the tree is built: building a deep tree costs the
    /// square of its depth, so a small file could otherwise keep a core busy for minutes.
    /// </summary>
    private static XDocument Load(string xmlText)
    {
        if (xmlText.Length > MaxDocumentChars)
            throw new ImportException($"failed to parse OVF: the descriptor has {xmlText.Length} characters, at most {MaxDocumentChars} are accepted");
        var settings = new XmlReaderSettings
        {
            // No DTD means no entity can be declared, so nothing (file, URL) is ever resolved.
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxDocumentChars,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
        };
        try
        {
            using (var scan = XmlReader.Create(new StringReader(xmlText.TrimStart('\uFEFF')), settings))
            {
                while (scan.Read())
                    if (scan.NodeType == XmlNodeType.Element && scan.Depth >= MaxDepth)
                        throw new ImportException($"failed to parse OVF: elements nested deeper than {MaxDepth} levels " +
                            $"(line {((IXmlLineInfo)scan).LineNumber})");
            }
            using var reader = XmlReader.Create(new StringReader(xmlText.TrimStart('\uFEFF')), settings);
            return XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException e) when (xmlText.Contains("<!DOCTYPE", StringComparison.Ordinal))
        {
            throw new ImportException(
                $"failed to parse OVF: DTD is prohibited (DOCTYPE at line {e.LineNumber}); XML entities are never resolved, possible XML external " +
                    $"entity (XXE) attack");
        }
        catch (XmlException e)
        {
            throw new ImportException($"failed to parse OVF: {e.Message}");
        }
    }

    private static XElement SingleVirtualSystem(XElement envelope)
    {
        var systems = Children(envelope, "VirtualSystem").ToList();
        if (systems.Count == 1) return systems[0];
        if (systems.Count > 1)
            throw new ImportException($"failed to parse OVF: it describes {systems.Count} virtual systems, only one is supported");
        if (Children(envelope, "VirtualSystemCollection").Any())
            throw new ImportException("failed to parse OVF: a VirtualSystemCollection (multi-VM appliance) is not supported");
        throw new ImportException("failed to parse OVF: no VirtualSystem found");
    }

    private static long MemoryMiB(Item mem)
    {
        var qty = mem.Prop("VirtualQuantity");
        var units = mem.Prop("AllocationUnits") ?? "byte * 2^20"; // MiB when absent, as VMware means it
        if (AllocationUnits.BytesPerUnit(units) is null)
            throw new ImportException($"failed to parse OVF: unsupported memory AllocationUnits '{units}'");
        var bytes = AllocationUnits.ToBytes(qty, units);
        if (bytes is not > 0)
            throw new ImportException($"failed to parse OVF: invalid memory size (VirtualQuantity) '{qty}'");
        return (bytes.Value + (1L << 20) - 1) >> 20;
    }

    private static bool IsEfi(XElement vs, XElement hw)
    {
        // VMware: <vmw:Config vmw:key="firmware" vmw:value="efi"/> in the VirtualHardwareSection.
        var vmw = hw.Elements()
            .Where(e => e.Name.LocalName == "Config" && Attr(e, "key") == "firmware")
            .Select(e => Attr(e, "value"))
            .FirstOrDefault();
        if (vmw is not null) return vmw.Equals("efi", StringComparison.OrdinalIgnoreCase);
        // VirtualBox: <vbox:Machine><Hardware><Firmware type="EFI"/>: one walk of the VirtualBox sections.
        return vs.Descendants()
            .Where(e => e.Name.NamespaceName == VboxNs && e.Parent?.Name.NamespaceName != VboxNs)
            .SelectMany(e => e.Descendants())
            .Any(e => e.Name.LocalName == "Firmware" && (Attr(e, "type") ?? "").StartsWith("EFI", StringComparison.OrdinalIgnoreCase));
    }

    private static void AddDisks(ImportBuilder b, XElement envelope, List<Item> items, string storage, string volname,
        bool isOva, Func<string, bool> fileExists, Func<string, long?>? virtualSize)
    {
        var files = Children(envelope, "References").SelectMany(r => Children(r, "File"))
            .Where(f => Attr(f, "id") is not null)
            .GroupBy(f => Attr(f, "id")!).ToDictionary(g => g.Key, g => g.First());
        var disks = Children(envelope, "DiskSection").SelectMany(s => Children(s, "Disk"))
            .Where(d => Attr(d, "diskId") is not null)
            .GroupBy(d => Attr(d, "diskId")!).ToDictionary(g => g.Key, g => g.First());
        var byInstance = items.Where(i => i.InstanceId is not null)
            .GroupBy(i => i.InstanceId!).ToDictionary(g => g.Key, g => g.First());

        var pending = new List<(string What, string Href, long? Capacity, string Bus, int? Index, string? NvmeName)>();
        foreach (var item in items.Where(i => i.Type == DiskDrive))
        {
            var what = $"disk '{item.Prop("ElementName") ?? item.InstanceId ?? "?"}'";
            var hostResource = item.Prop("HostResource");
            if (string.IsNullOrEmpty(hostResource))
            {
                b.Notes.Add($"{what} has no HostResource (no backing image), skipped");
                continue;
            }
            var m = HostResourceRe().Match(hostResource);
            if (!m.Success)
                throw new ImportException($"failed to parse OVF: {what} has an unsupported HostResource '{hostResource}'");

            string fileId;
            long? capacity = null;
            if (m.Groups[1].Value == "disk")
            {
                if (!disks.TryGetValue(m.Groups[2].Value, out var disk))
                    throw new ImportException($"failed to parse OVF: {what} refers to disk '{m.Groups[2].Value}', which is not in the DiskSection");
                var fileRef = Attr(disk, "fileRef");
                if (string.IsNullOrEmpty(fileRef))
                {
                    b.Notes.Add($"{what} is a blank disk without an image, skipped");
                    continue;
                }
                fileId = fileRef;
                // capacity defaults to bytes when no unit is given (OVF spec)
                capacity = AllocationUnits.ToBytes(Attr(disk, "capacity"), Attr(disk, "capacityAllocationUnits") ?? "byte");
            }
            else fileId = m.Groups[2].Value;

            if (!files.TryGetValue(fileId, out var file) || Attr(file, "href") is not { } href)
                throw new ImportException($"failed to parse OVF: {what} refers to file '{fileId}', which is not in the References");
            if (Attr(file, "compression") is { Length: > 0 } comp && comp != "identity")
                throw new ImportException($"{what}: compressed disk files are not supported ('{href}' uses '{comp}')");
            if (Attr(file, "chunkSize") is { Length: > 0 })
                throw new ImportException($"{what}: chunked disk files are not supported ('{href}')");

            var (bus, index, nvmeName) = Controller(item, byInstance, what);
            pending.Add((what, href, capacity, bus, index, nvmeName));
        }

        // NVMe disks become SCSI disks after all others, as Proxmox does.
        foreach (var d in pending.Where(p => p.NvmeName is null).Concat(pending.Where(p => p.NvmeName is not null)))
        {
            var key = b.TakeDrive(d.Bus, d.Index, d.What);
            if (d.NvmeName is not null) b.Warn(ImportWarningType.NvmeUnsupported, d.NvmeName, d.Href);

            string diskVolname;
            if (isOva)
            {
                // members of the archive are addressed as import/x.ova/<file>
                if (!SafeMember().IsMatch(d.Href) || d.Href is "." or "..")
                    throw new ImportException($"{d.What} refers to '{d.Href}': OVA members must be plain file names");
                diskVolname = $"{volname}/{d.Href}";
            }
            else diskVolname = ImportPaths.ResolveRelative(volname, d.Href, d.What);
            var format = ImportPaths.DiskFormat(d.Href, d.What);
            var diskVolid = $"{storage}:{diskVolname}";

            var size = d.Capacity;
            if (!isOva)
            {
                if (!fileExists(diskVolid))
                    throw new ImportException($"{d.What}: image file '{d.Href}' referenced by '{volname}' does not exist ({diskVolid})");
                size = virtualSize?.Invoke(diskVolid) ?? d.Capacity;
            }
            b.Disks[key] = new ImportDisk(diskVolid, size, format, d.Href);
            b.BootOrder.Add(key);
        }
    }

    [GeneratedRegex(@"^[ A-Za-z0-9\-.+=_]+$")]
    private static partial Regex SafeMember();

    /// <summary>The Proxmox bus of a disk's controller, the wanted index, and for NVMe the source name (nvmeC:U).</summary>
    private static (string Bus, int? Index, string? NvmeName) Controller(Item disk, Dictionary<string, Item> byInstance, string what)
    {
        var parent = disk.Prop("Parent");
        if (parent is null || !byInstance.TryGetValue(parent, out var ctrl))
            throw new ImportException($"failed to parse OVF: {what} has no valid controller (Parent '{parent}')");
        int? address = int.TryParse(disk.Prop("AddressOnParent"), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : null;
        var subtype = ctrl.Prop("ResourceSubType") ?? "";
        switch (ctrl.Type)
        {
            case IdeController:
                // two IDE channels with master/slave each: ide0..ide3
                if (int.TryParse(ctrl.Prop("Address"), NumberStyles.None, CultureInfo.InvariantCulture, out var channel) && address is 0 or 1)
                    return ("ide", channel * 2 + address, null);
                return ("ide", address, null);
            case ScsiController:
                return ("scsi", address, null);
            case OtherStorage when subtype.Contains("nvme", StringComparison.OrdinalIgnoreCase):
                return ("scsi", null, $"nvme{ctrl.Prop("Address") ?? "0"}:{address?.ToString(CultureInfo.InvariantCulture) ?? "0"}");
            case OtherStorage:
                return ("sata", address, null);
            default:
                throw new ImportException($"failed to parse OVF: {what} is attached to an unsupported controller " +
                    $"(ResourceType {ctrl.Type?.ToString(CultureInfo.InvariantCulture) ?? "missing"})");
        }
    }

    private static int Positive(string? text, string what) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new ImportException($"failed to parse OVF: invalid {what} '{text}'");

    private static bool IsOvfNs(XNamespace ns) =>
        ns == XNamespace.None || ns.NamespaceName.StartsWith(OvfNsPrefix, StringComparison.Ordinal);

    private static IEnumerable<XElement> Children(XElement e, string localName) =>
        e.Elements().Where(c => c.Name.LocalName == localName && IsOvfNs(c.Name.Namespace));

    /// <summary>An attribute by local name: the OVF-namespaced one first, then any.</summary>
    private static string? Attr(XElement e, string localName)
    {
        XAttribute? any = null;
        foreach (var a in e.Attributes())
        {
            if (a.IsNamespaceDeclaration || a.Name.LocalName != localName) continue;
            if (a.Name.NamespaceName.StartsWith(OvfNsPrefix, StringComparison.Ordinal)) return a.Value;
            any ??= a;
        }
        return any?.Value;
    }

    /// <summary>A hardware item (Item, StorageItem, EthernetPortItem) with its rasd/sasd/epasd properties.</summary>
    private sealed class Item(XElement e)
    {
        public int? Type { get; } =
            int.TryParse(Prop(e, "ResourceType"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;

        public string? InstanceId { get; } = Prop(e, "InstanceID");

        public string? Prop(string localName) => Prop(e, localName);

        private static string? Prop(XElement e, string localName) =>
            e.Elements().FirstOrDefault(c => c.Name.LocalName == localName)?.Value.Trim();
    }
}
