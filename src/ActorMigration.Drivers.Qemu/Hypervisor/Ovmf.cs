using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// <c>bios: ovmf</c> as Proxmox runs it: Debian's OVMF code as a read-only pflash unit 0 and the VM's efidisk0 as the
/// writable vars unit 1 (block node <c>drive-efidisk0</c>, so a live migration mirrors it like any disk). The code
/// image matches the vars size: 528K vars (efitype=4m) use the 4M code, 128K vars the 2M code.
/// </summary>
internal static class Ovmf
{
    public const string Dir = "/usr/share/OVMF";
    public const long Vars4M = 540672;
    public const long Vars2M = 131072;
    public const string CodeNode = "pflash-code";
    public const string EfiDrive = "efidisk0";

    public static bool Wanted(VmLaunchSpec s) => string.Equals(s.Bios, "ovmf", StringComparison.OrdinalIgnoreCase);

    public static DiskLaunch? EfiDisk(VmLaunchSpec s) => s.Disks.FirstOrDefault(d => d.Drive == EfiDrive && d.Path is not null);

    /// <summary>4m unless the vars volume is the 2m size (Proxmox: efitype=4m; Debian no longer ships a 2m-only vars default).</summary>
    public static bool Is4M(DiskLaunch? efi) => efi is null || efi.SizeBytes >= Vars4M;

    public static string CodePath(bool is4M) => Path.Combine(Dir, is4M ? "OVMF_CODE_4M.fd" : "OVMF_CODE.fd");

    public static string VarsTemplate(bool is4M) => Path.Combine(Dir, is4M ? "OVMF_VARS_4M.fd" : "OVMF_VARS.fd");

    /// <summary>Vars of a VM without efidisk0 (Proxmox: "no efidisk configured! Using temporary efivars disk.").</summary>
    public static string TempVarsPath(VmRunFiles f) => Path.Combine(f.Dir, "efivars.fd");

    /// <summary>The pflash arguments; empty for SeaBIOS. A VM without efidisk0 gets a temporary copy of the template.</summary>
    public static List<string> Args(LaunchPlan p, List<string> warnings)
    {
        var s = p.Spec;
        if (!Wanted(s))
        {
            if (s.Bios is { } bios && !bios.Equals("seabios", StringComparison.OrdinalIgnoreCase))
                warnings.Add($"bios '{bios}' is not supported; using SeaBIOS");
            return [];
        }
        var efi = EfiDisk(s);
        var is4M = Is4M(efi);
        var code = new JsonObject
        {
            ["driver"] = "raw", ["node-name"] = CodeNode, ["read-only"] = true,
            ["file"] = new JsonObject { ["driver"] = "file", ["filename"] = CodePath(is4M), ["read-only"] = true }
        };
        string varsJson;
        if (efi is null)
        {
            warnings.Add("no efidisk configured! Using temporary efivars disk.");
            varsJson = QemuCommandLine.BlockdevJson(QemuCommandLine.NodeName(EfiDrive), TempVarsPath(p.Files), "raw", false);
        }
        else
        {
            var vars = JsonNode.Parse(QemuCommandLine.BlockdevJson(QemuCommandLine.NodeName(EfiDrive), efi.Path!, efi.Format, efi.ReadOnly))!;
            // A raw volume larger than the template shows the template's size only (Proxmox's size= on the pflash drive).
            var size = is4M ? Vars4M : Vars2M;
            if (efi.Format == "raw" && efi.SizeBytes > size) vars["size"] = size;
            varsJson = vars.ToJsonString();
        }
        return ["-blockdev", code.ToJsonString(), "-blockdev", varsJson,
            "-machine", $"pflash0={CodeNode},pflash1={QemuCommandLine.NodeName(EfiDrive)}"];
    }

    /// <summary>
    /// Before a fresh start: the vars volume holds OVMF's variable store, copied from the template when it is still
    /// blank (Proxmox copies it at create time; a blank store would make OVMF keep variables in RAM only). An incoming
    /// migration target gets its content from the source instead.
    /// </summary>
    public static async Task PrepareAsync(VmLaunchSpec s, VmRunFiles files, QemuDriverOptions o, ILogger log, CancellationToken ct)
    {
        if (!Wanted(s) || s.Incoming is not null) return;
        var efi = EfiDisk(s);
        var template = VarsTemplate(Is4M(efi));
        if (!File.Exists(template)) throw new InvalidOperationException($"OVMF vars template '{template}' not found (install Debian's 'ovmf')");
        if (efi is null)
        {
            File.Copy(template, TempVarsPath(files), overwrite: true);
            return;
        }
        if (await HasVariableStoreAsync(efi, o, ct)) return;
        var r = await ProcessRunner.RunAsync(o.QemuImg, ["convert", "-n", "-f", "raw", "-O", efi.Format, template, efi.Path!], TimeSpan.FromMinutes(1), ct: ct);
        if (r.ExitCode != 0) throw new InvalidOperationException($"cannot initialize efidisk0 from '{template}': {r.ErrorText}");
        log.LogInformation("efidisk0 of {VmId} initialized from {Template}", s.VmId, template);
    }

    /// <summary>A firmware volume header ("_FVH" at offset 40) at the start of the volume's data.</summary>
    private static async Task<bool> HasVariableStoreAsync(DiskLaunch efi, QemuDriverOptions o, CancellationToken ct)
    {
        var tmp = Path.GetTempFileName();
        try
        {
            var path = efi.Path!;
            if (efi.Format != "raw")
            {
                var r = await ProcessRunner.RunAsync(o.QemuImg, ["dd", "-f", efi.Format, "-O", "raw", "bs=512", "count=1", $"if={path}", $"of={tmp}"],
                    TimeSpan.FromMinutes(1), ct: ct);
                if (r.ExitCode != 0) throw new InvalidOperationException($"cannot read efidisk0: {r.ErrorText}");
                path = tmp;
            }
            var head = new byte[44];
            await using var fs = File.OpenRead(path);
            var n = await fs.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
            return n == head.Length && head[40] == '_' && head[41] == 'F' && head[42] == 'V' && head[43] == 'H';
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
