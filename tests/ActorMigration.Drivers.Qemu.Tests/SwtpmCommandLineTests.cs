using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>tpmstate0 on the command line: a tpm-tis device on the VM's swtpm socket (no process is started here).</summary>
public sealed class SwtpmCommandLineTests
{
    private static List<string> Build(VmLaunchSpec spec) =>
        QemuCommandLine.Build(new LaunchPlan(spec, new VmRunFiles("/run/am", spec.VmId), "pc-i440fx-7.2", "tcg", null, new QemuDriverOptions()), []);

    private static VmLaunchSpec Spec(string config) =>
        VmLaunchSpec.FromConfig(310, QmConfig.Parse(config), v => ("/s/" + v.Split('/')[^1], v.EndsWith(".raw") ? "raw" : "qcow2", 4 << 20));

    [Fact]
    public void Tpmstate0_gives_the_emulator_backend_on_the_run_dir_socket_and_no_disk_device()
    {
        var spec = Spec("memory: 512\ntpmstate0: local:310/vm-310-disk-0.raw,size=4M,version=v2.0\n");
        Assert.Equal("v2.0", spec.TpmVersion);
        var a = Build(spec);
        Assert.Contains("socket,id=tpmchar,path=/run/am/qemu/310/swtpm.sock", a);
        Assert.Contains("emulator,id=tpmdev,chardev=tpmchar", a);
        Assert.Contains("tpm-tis,tpmdev=tpmdev", a);
        Assert.DoesNotContain(a, x => x.Contains("tpmstate0"));
    }

    [Fact]
    public void Without_tpmstate0_there_is_no_tpm_and_the_version_defaults_as_proxmox()
    {
        Assert.DoesNotContain(Build(Spec("memory: 512\n")), x => x.Contains("tpm"));
        Assert.Equal("v1.2", Spec("memory: 512\ntpmstate0: local:310/vm-310-disk-0.raw,size=4M\n").TpmVersion);
    }
}
