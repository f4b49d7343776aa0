using System.Text;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Everything that decides a QEMU command line besides the spec.</summary>
internal sealed record LaunchPlan(
    VmLaunchSpec Spec,
    VmRunFiles Files,
    string Machine,
    string Accelerator,
    string? IncomingUri,
    QemuDriverOptions Options,
    string? HostCpuVendor = null,
    bool TapNics = false);

/// <summary>
/// Builds the qemu-system-x86_64 argument list from a <see cref="VmLaunchSpec"/>. Deterministic: the same spec
/// gives the same device order, so source and target of a migration match.
/// </summary>
internal static class QemuCommandLine
{
    /// <summary>Block node name of a drive key: scsi0 → drive-scsi0 (also the NBD export name).</summary>
    public static string NodeName(string drive) => drive.StartsWith("drive-", StringComparison.Ordinal) ? drive : "drive-" + drive;

    /// <summary>Drive key of a node or job name: drive-scsi0 → scsi0.</summary>
    public static string DriveKey(string nodeOrDrive) => nodeOrDrive.StartsWith("drive-", StringComparison.Ordinal) ? nodeOrDrive[6..] : nodeOrDrive;

    public static List<string> Build(LaunchPlan p, List<string> warnings)
    {
        var s = p.Spec;
        var f = p.Files;
        var args = new List<string>();
        void A(params string[] xs) => args.AddRange(xs);

        var vcpus = Math.Max(1, s.Cores) * Math.Max(1, s.Sockets);
        A("-name", Escape(string.IsNullOrWhiteSpace(s.Name) ? $"vm{s.VmId}" : s.Name));
        A("-machine", $"type={p.Machine},accel={p.Accelerator}");
        A("-m", Math.Max(16, s.MemoryMiB).ToString());
        A("-smp", $"{vcpus},sockets={Math.Max(1, s.Sockets)},cores={Math.Max(1, s.Cores)},maxcpus={vcpus}");
        if (CpuModel.QemuArgument(s.Cpu, p.Accelerator == "kvm", s.OsType, p.HostCpuVendor ?? Node.HostFacts.CpuVendor()) is { } cpu) A("-cpu", cpu);
        A("-nodefaults", "-no-user-config", "-display", "none");
        A("-daemonize", "-pidfile", f.PidFile);
        A("-qmp", $"unix:{Escape(f.QmpSocket)},server=on,wait=off");
        A("-chardev", $"socket,id=serial0,path={Escape(f.SerialSocket)},server=on,wait=off,logfile={Escape(f.SerialLog)},logappend=on");
        A("-serial", "chardev:serial0");
        A("-rtc", "base=utc");

        if (s.SmbiosUuid is { Length: > 0 } uuid) A("-smbios", $"type=1,uuid={Escape(uuid)}");
        if (s.VmGenId is { Length: > 0 } gen) A("-device", $"vmgenid,guid={Escape(gen)},id=vmgenid0");
        args.AddRange(GuestAgentClient.Args(s.Agent, f.AgentSocket));
        args.AddRange(Ovmf.Args(p, warnings));
        args.AddRange(Swtpm.Args(p));

        var extra = SplitArgs(s.Args);
        if (p.Options.GuestKernel is { } kernel && !extra.Contains("-kernel"))
        {
            A("-kernel", kernel);
            if (p.Options.GuestInitrd is { } initrd) A("-initrd", initrd);
            var cmdline = p.Options.GuestCmdline;
            if (!string.IsNullOrWhiteSpace(p.Options.ExtraKernelArgs)) cmdline += " " + p.Options.ExtraKernelArgs!.Trim();
            A("-append", cmdline);
        }

        var q35 = p.Machine.Contains("q35", StringComparison.Ordinal);
        if (s.Disks.Any(d => d.Bus == "scsi")) A("-device", "virtio-scsi-pci,id=scsihw0");
        if (s.Disks.Any(d => d.Bus == "sata")) A("-device", "ahci,id=ahci0");

        foreach (var d in s.Disks)
        {
            if (d.Bus is "efidisk" or "tpmstate") continue; // pflash vars and swtpm state, not guest disks
            var node = NodeName(d.Drive);
            var hasMedia = d.Path is not null;
            if (!hasMedia && !d.Cdrom)
            {
                warnings.Add($"{d.Drive}: no volume path; skipped");
                continue;
            }
            if (hasMedia) A("-blockdev", BlockdevJson(node, d.Path!, d.Format, d.ReadOnly || d.Cdrom));
            var drive = (hasMedia ? $",drive={node}" : "") + BootIndexArg(s, d.Drive);
            switch (d.Bus)
            {
                case "virtio":
                    if (d.Cdrom) { warnings.Add($"{d.Drive}: virtio cannot be a cdrom; skipped"); continue; }
                    A("-device", $"virtio-blk-pci{drive},id={d.Drive}");
                    break;
                case "scsi":
                    A("-device", $"{(d.Cdrom ? "scsi-cd" : "scsi-hd")},bus=scsihw0.0,channel=0,scsi-id={d.Index},lun=0{drive},id={d.Drive}");
                    break;
                case "ide":
                    var ideBus = q35 ? $"ide.{d.Index}" : $"ide.{d.Index / 2},unit={d.Index % 2}";
                    A("-device", $"{(d.Cdrom ? "ide-cd" : "ide-hd")},bus={ideBus}{drive},id={d.Drive}");
                    break;
                case "sata":
                    A("-device", $"{(d.Cdrom ? "ide-cd" : "ide-hd")},bus=ahci0.{d.Index}{drive},id={d.Drive}");
                    break;
                default:
                    warnings.Add($"{d.Drive}: unsupported bus '{d.Bus}'; skipped");
                    break;
            }
        }

        foreach (var n in s.Nics)
        {
            var idx = n.Name.StartsWith("net", StringComparison.Ordinal) ? n.Name : "net" + n.Name;
            A("-netdev", NetdevArg(p, n, idx, warnings));
            // No MAC stored: no mac= (QEMU's default), as qemu-server's print_netdevice_full.
            var mac = n.Mac is null ? "" : $",mac={n.Mac}";
            var mtu = p.TapNics && n is { Bridge: not null, Model: "virtio", Mtu: > 1 } ? $",host_mtu={n.Mtu}" : "";
            A("-device", $"{NicDevice(n.Model)},netdev={idx}{mac}{mtu},id={idx}{BootIndexArg(s, n.Name)}");
        }

        if (p.IncomingUri is { } incoming)
        {
            if (p.Options.Tls is { } tls) args.AddRange(tls.IncomingArgs());
            A("-S", "-incoming", incoming);
        }
        if (s.LoadVm is { } state) A("-loadvm", state); // rollback to a snapshot with RAM state
        args.AddRange(extra);
        return args;
    }

    /// <summary>A tap (<see cref="TapPlan"/>, plugged after start) for a NIC with a bridge on a node with a VM namespace, else user-mode.</summary>
    private static string NetdevArg(LaunchPlan p, NicLaunch n, string id, List<string> warnings)
    {
        if (p.TapNics && n.Bridge is not null)
            return $"tap,id={id},ifname={TapPlan.TapName(p.Spec.VmId, n.Name)},script=no,downscript=no";
        if (n.Bridge is { } bridge) warnings.Add($"{n.Name}: bridge '{bridge}' ignored: the node has no VM network namespace (user-mode NIC)");
        return $"user,id={id},restrict=on";
    }

    /// <summary>",bootindex=N" of a boot device (qemu-server's device_bootorder, printed on the device), else "".</summary>
    private static string BootIndexArg(VmLaunchSpec s, string device) => s.BootIndex(device) is { } i ? $",bootindex={i}" : "";

    /// <summary>-blockdev in JSON form (no comma escaping); node name = drive-&lt;key&gt;.</summary>
    public static string BlockdevJson(string node, string path, string format, bool readOnly)
    {
        var o = new JsonObject
        {
            ["driver"] = format,
            ["node-name"] = node,
            ["read-only"] = readOnly,
            ["file"] = new JsonObject
            {
                ["driver"] = path.StartsWith("/dev/", StringComparison.Ordinal) ? "host_device" : "file",
                ["filename"] = path,
                ["read-only"] = readOnly
            }
        };
        return o.ToJsonString();
    }

    public static string NicDevice(string model) => model switch
    {
        "virtio" => "virtio-net-pci",
        _ => model
    };

    /// <summary>QEMU option values double their commas.</summary>
    public static string Escape(string value) => value.Replace(",", ",,");

    /// <summary>Splits the qm <c>args</c> string like a shell would (quotes, backslashes).</summary>
    public static List<string> SplitArgs(string? text)
    {
        var list = new List<string>();
        if (string.IsNullOrWhiteSpace(text)) return list;
        var cur = new StringBuilder();
        var inToken = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == quote) quote = null;
                else if (c == '\\' && quote == '"' && i + 1 < text.Length) cur.Append(text[++i]);
                else cur.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inToken) { list.Add(cur.ToString()); cur.Clear(); inToken = false; }
                continue;
            }
            inToken = true;
            if (c is '"' or '\'') quote = c;
            else if (c == '\\' && i + 1 < text.Length) cur.Append(text[++i]);
            else cur.Append(c);
        }
        if (inToken) list.Add(cur.ToString());
        return list;
    }
}
