using System.Text;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// What crosses the wire of a live migration with a local disk: a relay between source and target records the
/// migration stream and the NBD stream of the disk mirror. With the cluster's TLS the migration stream starts with
/// a TLS handshake record and the disk's bytes never appear in clear; without TLS (the control) they do. A target
/// whose certificate is from another CA is refused by the source: the migration fails and the guest runs on.
/// </summary>
public sealed class MigrationTlsTests(ITestOutputHelper output)
{
    private static readonly byte[] QemuMigrationMagic = "QEVM"u8.ToArray();

    private sealed record Wire(byte[] Migration, byte[] Nbd, byte[] Marker);

    [Fact]
    public async Task With_the_cluster_tls_the_migration_and_the_disk_mirror_are_encrypted_on_the_wire()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var tls = new QemuTls(ClusterTlsFiles.Create(env.Root), ClusterTlsFiles.PeerName);
        var wire = await MigrateThroughTapsAsync(env, 150, env.Options with { Tls = tls });

        // A TLS record of type handshake (0x16), version 3.x: the ClientHello.
        Assert.True(wire.Migration.Length > 5, $"only {wire.Migration.Length} bytes recorded");
        Assert.Equal([0x16, 0x03], wire.Migration[..2]);
        Assert.Equal(-1, wire.Migration.AsSpan().IndexOf(QemuMigrationMagic));
        // NBD negotiates STARTTLS in clear, then the disk's data travels only inside TLS.
        Assert.True(wire.Nbd.Length > 64 << 10, $"only {wire.Nbd.Length} NBD bytes recorded");
        Assert.Equal(-1, wire.Nbd.AsSpan().IndexOf(wire.Marker));
    }

    [Fact]
    public async Task Without_tls_the_same_relay_sees_the_plain_streams()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var wire = await MigrateThroughTapsAsync(env, 151, env.Options with { Tls = null });
        Assert.Equal(QemuMigrationMagic, wire.Migration[..4]);
        Assert.NotEqual(-1, wire.Nbd.AsSpan().IndexOf(wire.Marker));
    }

    [Fact]
    public async Task A_target_with_a_certificate_of_another_ca_gets_nothing_and_the_guest_stays_on_the_source()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var ours = env.Options with { Tls = new QemuTls(ClusterTlsFiles.Create(Path.Combine(env.Root, "ours")), ClusterTlsFiles.PeerName) };
        var foreign = env.Options with { Tls = new QemuTls(ClusterTlsFiles.Create(Path.Combine(env.Root, "foreign")), ClusterTlsFiles.PeerName) };
        var n1 = env.AddNode("node1", options: ours);
        var n2 = env.AddNode("node2", options: foreign);
        var spec = Specs.Guest(152, "src");
        var src = await n1.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, 152, 2);
        var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst"));

        await n1.Hypervisor.StartMigrationAsync(152, new MigrationStartSpec(dst.IncomingUri!, null, 100, true));
        var done = await n1.Hypervisor.WaitMigrationAsync(152, TimeSpan.FromSeconds(60));
        Assert.Equal(MigrationState.Failed, done.Status);
        Assert.Equal(VmRunState.Running, (await n1.Hypervisor.GetAsync(152)).State);
        Assert.Equal(VmRunState.InMigrate, (await n2.Hypervisor.GetAsync(152)).State);
        var last = GuestConsole.LastHeartbeat(n1.Qemu, 152);
        await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, 152, last + 2, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Migrates a VM with a disk holding a marker from node1 to node2, the mirror and the migration each through a
    /// <see cref="WireTap"/>; checks the target's disk got the data (so the recorded stream is the real one).
    /// </summary>
    private async Task<Wire> MigrateThroughTapsAsync(TestEnv env, int vmid, QemuDriverOptions options)
    {
        var n1 = env.AddNode("node1", options: options);
        var n2 = env.AddNode("node2", options: options);
        var volid = $"local:{vmid}/vm-{vmid}-disk-0.qcow2";
        var srcVol = await n1.Storage.CreateAsync(volid, "qcow2", 64L << 20);
        var spec = Specs.Guest(vmid, "src", [Specs.Disk("scsi0", srcVol.Path, "qcow2", srcVol.VirtualSize)]);
        var src = await n1.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForLineAsync(n1.Qemu, vmid, "disk mounted /dev/sda");
        var marker = $"marker-{Guid.NewGuid():N}";
        await GuestConsole.RunAsync(n1.Qemu, vmid, $"echo {marker} > /mnt/disk/marker; sync");

        var dstVol = await n2.Storage.CreateAsync(volid, "qcow2", 64L << 20);
        var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst",
            [Specs.Disk("scsi0", dstVol.Path, "qcow2", dstVol.VirtualSize)], ["scsi0"]));
        await using var nbdTap = new WireTap("127.0.0.1", int.Parse(dst.NbdUri!.Split(':')[2]));
        await using var migrationTap = new WireTap("127.0.0.1", int.Parse(dst.IncomingUri!.Split(':')[2]));

        await n1.Hypervisor.StartMirrorAsync(vmid, "scsi0", new MirrorTarget($"nbd:127.0.0.1:{nbdTap.Port}:exportname=drive-scsi0", "raw"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        BlockJobInfo job;
        while (!(job = Assert.Single(await n1.Hypervisor.QueryBlockJobsAsync(vmid))).Ready)
        {
            Assert.True(DateTime.UtcNow < deadline, $"mirror not ready: {job}");
            await Task.Delay(200);
        }
        await n1.Hypervisor.StartMigrationAsync(vmid, new MigrationStartSpec($"tcp:127.0.0.1:{migrationTap.Port}", null, 100, true));
        var done = await n1.Hypervisor.WaitMigrationAsync(vmid, TimeSpan.FromSeconds(120));
        Assert.Equal(MigrationState.Completed, done.Status);
        await n1.Hypervisor.FinishMirrorAsync(vmid, "scsi0", pivot: false);
        await n2.Hypervisor.StopNbdServerAsync(vmid);

        var (rc, text) = await Images.CompareAsync(srcVol.Path, dstVol.Path);
        Assert.True(rc == 0, $"qemu-img compare: {text}");
        await n2.Hypervisor.StopAsync(vmid);
        await n1.Hypervisor.StopAsync(vmid);
        output.WriteLine($"recorded {migrationTap.Sent().Length} migration bytes, {nbdTap.Sent().Length} NBD bytes");
        return new Wire(migrationTap.Sent(), nbdTap.Sent(), Encoding.ASCII.GetBytes(marker));
    }
}
