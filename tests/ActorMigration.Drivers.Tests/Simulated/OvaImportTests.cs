using System.Buffers.Binary;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

/// <summary>The simulated driver reads disks inside an OVA in place, through the shared tar reader, as the QEMU driver does.</summary>
public sealed class OvaImportTests : IDisposable
{
    private readonly SimEnv _env = new(new Drivers.Simulated.SimulationOptions { InstantCopy = true });

    public void Dispose() => _env.Dispose();

    private static byte[] Qcow2Header(long virtualSize)
    {
        var h = new byte[512];
        new byte[] { (byte)'Q', (byte)'F', (byte)'I', 0xfb }.CopyTo(h, 0);
        h[7] = 3;
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(24), (ulong)virtualSize);
        return h;
    }

    [Fact]
    public async Task Disks_inside_an_ova_are_described_and_converted_from_the_archive()
    {
        var st = _env.Node().Storage;
        var import = Path.Combine(_env.Root, "pve1", "local", "import");
        Directory.CreateDirectory(import);
        using (var t = TarBuilder.Create(Path.Combine(import, "vm.ova")))
            t.Text("vm.ovf", "<Envelope/>").Sparse("disk.raw", 2 * MiB).Bytes("disk.qcow2", Qcow2Header(8 * MiB)).Text("notes.txt", "x");

        Assert.Equal("<Envelope/>", await st.ReadTextAsync("local:import/vm.ova"));
        var raw = (await st.InfoAsync("local:import/vm.ova/disk.raw"))!;
        Assert.Equal(("raw", 2 * MiB, true), (raw.Format, raw.VirtualSize, raw.ReadOnly));
        var qcow = (await st.InfoAsync("local:import/vm.ova/disk.qcow2"))!;
        Assert.Equal(("qcow2", 8 * MiB), (qcow.Format, qcow.VirtualSize));
        Assert.Null(await st.InfoAsync("local:import/vm.ova/none.raw"));
        Assert.Null(await st.InfoAsync("local:import/vm.ova/notes.txt"));

        await st.ConvertAsync("local:import/vm.ova/disk.qcow2", "local:120/vm-120-disk-0.raw", "raw");
        Assert.Equal(("raw", 8 * MiB), ((await st.InfoAsync("local:120/vm-120-disk-0.raw"))!.Format,
            (await st.InfoAsync("local:120/vm-120-disk-0.raw"))!.VirtualSize));
        await Assert.ThrowsAsync<FileNotFoundException>(() =>
            st.ConvertAsync("local:import/vm.ova/none.raw", "local:121/vm-121-disk-0.raw", "raw"));
        Assert.Contains("local:import/vm.ova", (await st.ListAsync("local")).Select(v => v.VolId));
    }
}
