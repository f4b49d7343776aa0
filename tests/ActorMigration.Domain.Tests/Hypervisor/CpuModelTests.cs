using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Tests.Hypervisor;

/// <summary>The <c>cpu</c> option: qemu-server's pve-vm-cpu-conf checks and the -cpu value get_cpu_options gives.</summary>
public sealed class CpuModelTests
{
    [Theory]
    [InlineData("host")]
    [InlineData("kvm64")]
    [InlineData("Westmere,flags=+aes;-pcid")]
    [InlineData("cputype=x86-64-v2-AES,hidden=1,hv-vendor-id=proxmox")]
    [InlineData("qemu64,phys-bits=host")]
    [InlineData("EPYC-Rome,guest-phys-bits=40,phys-bits=48")]
    public void Valid_values_pass(string value) => Assert.Null(CpuModel.Check(value));

    [Theory]
    [InlineData("pentium5", "Built-in cputype 'pentium5' is not defined (missing 'custom-' prefix?)")]
    [InlineData("custom-mine", "Custom cputype 'mine' not found")]
    [InlineData("flags=+aes", "CPU is missing cputype")]
    [InlineData("qemu64,flags=+avx2",
        "VM-specific CPU flags must be a subset of: nested-virt, md-clear, pcid, spec-ctrl, ssbd, ibpb, virt-ssbd, amd-ssbd, amd-no-ssb, pdpe1gb, " +
            "hv-tlbflush, hv-evmcs, aes")]
    [InlineData("qemu64,flags=aes", "flags: value does not match the regex pattern")]
    [InlineData("qemu64,reported-model=kvm64", "Property 'reported-model' not allowed in VM-specific CPU config.")]
    [InlineData("qemu64,hidden=yes", "hidden: type check ('boolean') failed - got 'yes'")]
    [InlineData("qemu64,phys-bits=7", "phys-bits: value must be an integer between 8 and 64 or 'host'")]
    [InlineData("qemu64,hv-vendor-id=toolongvendorid", "hv-vendor-id: value does not match the regex pattern")]
    [InlineData("qemu64,speed=9", "invalid key in comma-separated list property: speed")]
    [InlineData("qemu64,cputype=kvm64", "duplicate key in comma-separated list property: cputype")]
    public void Invalid_values_give_proxmoxs_message(string value, string message) => Assert.Equal(message, CpuModel.Check(value));

    [Theory]
    // Unset under TCG: no -cpu, QEMU's default qemu64 (Proxmox's default without KVM).
    [InlineData(null, false, null, null)]
    [InlineData(null, true, null, "kvm64,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+lahf_lm,+sep")]
    [InlineData("qemu64,flags=+aes", false, null, "qemu64,+aes")]
    [InlineData("Westmere,flags=+aes", false, null, "Westmere,+aes,vendor=GenuineIntel")]
    [InlineData("Westmere", true, null, "Westmere,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,vendor=GenuineIntel")]
    [InlineData("host,hidden=1", true, null, "host,kvm=off,+kvm_pv_eoi,+kvm_pv_unhalt")]
    [InlineData("x86-64-v2-AES", false, null, "qemu64,+aes,+pni,+popcnt,+sse4.1,+sse4.2,+ssse3")]
    [InlineData("Icelake-Client", false, null, "Icelake-Server,vendor=GenuineIntel")]
    [InlineData("Opteron_G3", false, "solaris", "Opteron_G3,-rdtscp,vendor=AuthenticAMD,-x2apic")]
    [InlineData("EPYC,flags=+nested-virt", false, null, "EPYC,+svm,vendor=AuthenticAMD")]
    [InlineData("qemu64,phys-bits=40", false, null, "qemu64,phys-bits=40")]
    public void Qemu_argument_is_get_cpu_options(string? cpu, bool kvm, string? ostype, string? expected) =>
        Assert.Equal(expected, CpuModel.QemuArgument(cpu, kvm, ostype, "GenuineIntel"));

    [Fact]
    public void Nested_virt_of_a_generic_model_follows_the_host_vendor()
    {
        Assert.Equal("qemu64,+vmx", CpuModel.QemuArgument("qemu64,flags=+nested-virt", false, null, "GenuineIntel"));
        Assert.Equal("qemu64,+svm", CpuModel.QemuArgument("qemu64,flags=+nested-virt", false, null, "AuthenticAMD"));
    }
}
