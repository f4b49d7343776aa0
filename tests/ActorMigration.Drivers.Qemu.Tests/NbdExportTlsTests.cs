using System.Text;
using ActorMigration.Drivers.Qemu.Node;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// qemu-nbd exports (offline copies between nodes) with the cluster's TLS: a relay between the copying qemu-img and
/// the export records the stream, which never holds the volume's bytes in clear; a client without TLS is refused and
/// writes nothing. The control without TLS sees the bytes.
/// </summary>
public sealed class NbdExportTlsTests(ITestOutputHelper output)
{
    private const long Size = 4L << 20;

    private static async Task<(string Volid, byte[] Marker)> SourceAsync(QemuNodeDriver n, int vmid)
    {
        var volid = $"local:{vmid}/vm-{vmid}-disk-0.raw";
        var info = await n.Storage.CreateAsync(volid, "raw", Size);
        var marker = Encoding.ASCII.GetBytes($"marker-{Guid.NewGuid():N}");
        await using (var f = new FileStream(info.Path, FileMode.Open, FileAccess.Write))
        {
            f.Seek(1 << 20, SeekOrigin.Begin);
            await f.WriteAsync(marker);
        }
        return (volid, marker);
    }

    /// <summary>Copies node1's volume into node2's export through a relay; returns what the copier sent and the target's bytes.</summary>
    private static async Task<(byte[] Sent, byte[] Target)> CopyThroughTapAsync(QemuNodeDriver n1, QemuNodeDriver n2, string volid)
    {
        var dst = await n2.Storage.CreateAsync(volid, "raw", Size);
        var export = await n2.Storage.ExportAsync(volid, writable: true);
        var uri = new Uri(export.Uri);
        byte[] sent;
        await using (var tap = new WireTap("127.0.0.1", uri.Port))
        {
            await n1.Storage.CopyToNbdAsync(volid, $"nbd://127.0.0.1:{tap.Port}{uri.AbsolutePath}");
            sent = tap.Sent();
        }
        await n2.Storage.CloseExportAsync(export.ExportId);
        return (sent, await File.ReadAllBytesAsync(dst.Path));
    }

    [Fact]
    public async Task An_export_takes_only_tls_clients_of_the_cluster_and_its_data_is_encrypted_on_the_wire()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var options = env.Options with { Tls = new QemuTls(ClusterTlsFiles.Create(env.Root), ClusterTlsFiles.PeerName) };
        var (n1, n2) = (env.AddNode("node1", options: options), env.AddNode("node2", options: options));
        var (volid, marker) = await SourceAsync(n1, 180);

        var (sent, target) = await CopyThroughTapAsync(n1, n2, volid);
        Assert.NotEqual(-1, target.AsSpan().IndexOf(marker));
        Assert.True(sent.Length > 1024, $"only {sent.Length} bytes recorded");
        Assert.Equal(-1, sent.AsSpan().IndexOf(marker));

        // A copier without TLS (node3 has no cluster credentials) is refused, and the export's file stays untouched.
        var plain = env.AddNode("node3");
        var (plainVol, plainMarker) = await SourceAsync(plain, 181);
        var dst = await n2.Storage.CreateAsync(plainVol, "raw", Size);
        var export = await n2.Storage.ExportAsync(plainVol, writable: true);
        await Assert.ThrowsAnyAsync<Exception>(() => plain.Storage.CopyToNbdAsync(plainVol, export.Uri));
        await n2.Storage.CloseExportAsync(export.ExportId);
        Assert.Equal(-1, (await File.ReadAllBytesAsync(dst.Path)).AsSpan().IndexOf(plainMarker));
    }

    [Fact]
    public async Task Without_tls_the_same_relay_sees_the_volumes_bytes()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var (n1, n2) = (env.AddNode("node1"), env.AddNode("node2"));
        var (volid, marker) = await SourceAsync(n1, 182);
        var (sent, target) = await CopyThroughTapAsync(n1, n2, volid);
        Assert.NotEqual(-1, target.AsSpan().IndexOf(marker));
        Assert.NotEqual(-1, sent.AsSpan().IndexOf(marker));
    }
}
