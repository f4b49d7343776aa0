namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// A QEMU member WITHOUT the test kernel option (AM_TEST_KERNEL empty): its VMs boot from their own devices. The test
/// guest's bootable disks (disk-bios.raw, disk-efi.raw) are in node1's import storage as <c>local:import/am-boot-*.raw</c>.
/// </summary>
public sealed class QemuDiskBootFixture : IAsyncLifetime
{
    public const string BiosImport = "local:import/am-boot-bios.raw", EfiImport = "local:import/am-boot-efi.raw";

    public MemberProcess Member { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var guest = await GuestImageFixture.GetAsync();
        Member = await QemuEnv.CreateMemberAsync(new Dictionary<string, string> { ["AM_TEST_KERNEL"] = "" });
        try
        {
            var import = Path.Combine(Member.DataDir, "nodes", "node1", "local", "import");
            Directory.CreateDirectory(import);
            File.Copy(Path.Combine(guest, "disk-bios.raw"), Path.Combine(import, "am-boot-bios.raw"));
            File.Copy(Path.Combine(guest, "disk-efi.raw"), Path.Combine(import, "am-boot-efi.raw"));
            await Member.StartAsync();
        }
        catch
        {
            await Member.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync() => await Member.DisposeAsync();
}
