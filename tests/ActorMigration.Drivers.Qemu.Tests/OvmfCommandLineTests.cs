using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>bios: ovmf on the command line: OVMF code as pflash0, efidisk0 as pflash1 (no process is started here).</summary>
public sealed class OvmfCommandLineTests
{
    private static (List<string> Args, List<string> Warnings) Build(string? bios, params DiskLaunch[] disks)
    {
        var spec = new VmLaunchSpec(300, "uefi", 512, 1, 1, null, null, null,
            [new DiskLaunch("scsi0", "scsi", 0, "/s/vm-300-disk-0.qcow2", "qcow2", false, false, 1 << 30), .. disks], [], Bios: bios);
        var warnings = new List<string>();
        var args = QemuCommandLine.Build(new LaunchPlan(spec, new VmRunFiles("/run/am", 300), "pc-i440fx-7.2", "tcg", null, new QemuDriverOptions()), warnings);
        return (args, warnings);
    }

    private static List<JsonNode> Blockdevs(List<string> a) =>
        a.Where((x, i) => i > 0 && a[i - 1] == "-blockdev").Select(x => JsonNode.Parse(x)!).ToList();

    private static JsonNode Node(List<string> a, string name) => Blockdevs(a).Single(b => b["node-name"]!.GetValue<string>() == name);

    [Fact]
    public void Efidisk0_is_the_writable_pflash_vars_unit_beside_the_read_only_4m_code()
    {
        var (a, w) = Build("ovmf", new DiskLaunch("efidisk0", "efidisk", 0, "/s/vm-300-disk-1.raw", "raw", false, false, 1 << 20));
        Assert.Contains("pflash0=pflash-code,pflash1=drive-efidisk0", a);
        var code = Node(a, "pflash-code");
        Assert.Equal("/usr/share/OVMF/OVMF_CODE_4M.fd", code["file"]!["filename"]!.GetValue<string>());
        Assert.True(code["read-only"]!.GetValue<bool>());
        var vars = Node(a, "drive-efidisk0");
        Assert.Equal("/s/vm-300-disk-1.raw", vars["file"]!["filename"]!.GetValue<string>());
        Assert.False(vars["read-only"]!.GetValue<bool>());
        Assert.Equal(540672, vars["size"]!.GetValue<long>()); // a larger raw volume shows the template's size
        Assert.DoesNotContain(a, x => x.Contains("id=efidisk0"));  // no guest-visible disk device
        Assert.Empty(w);
    }

    [Fact]
    public void A_2m_vars_volume_gets_the_2m_code_and_qcow2_keeps_its_format()
    {
        var (a, _) = Build("ovmf", new DiskLaunch("efidisk0", "efidisk", 0, "/s/vm-300-disk-1.qcow2", "qcow2", false, false, 131072));
        Assert.Equal("/usr/share/OVMF/OVMF_CODE.fd", Node(a, "pflash-code")["file"]!["filename"]!.GetValue<string>());
        var vars = Node(a, "drive-efidisk0");
        Assert.Equal("qcow2", vars["driver"]!.GetValue<string>());
        Assert.Null(vars["size"]);
    }

    [Fact]
    public void Ovmf_without_efidisk0_uses_a_temporary_vars_copy_and_says_so()
    {
        var (a, w) = Build("ovmf");
        Assert.Equal("/run/am/qemu/300/efivars.fd", Node(a, "drive-efidisk0")["file"]!["filename"]!.GetValue<string>());
        Assert.Equal(["no efidisk configured! Using temporary efivars disk."], w);
    }

    [Fact]
    public void Seabios_has_no_pflash_and_an_efidisk0_is_not_attached()
    {
        var (a, w) = Build(null, new DiskLaunch("efidisk0", "efidisk", 0, "/s/vm-300-disk-1.raw", "raw", false, false, 540672));
        Assert.DoesNotContain(a, x => x.Contains("pflash"));
        Assert.DoesNotContain(a, x => x.Contains("efidisk0"));
        Assert.Empty(w);
    }
}
