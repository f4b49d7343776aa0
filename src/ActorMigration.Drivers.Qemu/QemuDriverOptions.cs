namespace ActorMigration.Drivers.Qemu;

/// <summary>How the real QEMU driver finds its binaries and the test guest image.</summary>
public sealed record QemuDriverOptions
{
    public string QemuSystem { get; init; } = "qemu-system-x86_64";
    public string QemuImg { get; init; } = "qemu-img";
    public string QemuNbd { get; init; } = "qemu-nbd";

    /// <summary>
    /// The test kernel option (vmlinuz of the test guest image): when set, VMs boot it directly (-kernel) unless their args
    /// bring their own. Tests only; unset (the default of the member) VMs boot from their devices (boot order, firmware).
    /// </summary>
    public string? GuestKernel { get; init; }

    /// <summary>Guest initramfs (cpio.gz).</summary>
    public string? GuestInitrd { get; init; }

    /// <summary>Kernel command line of the guest image.</summary>
    public string GuestCmdline { get; init; } = GuestImage.GuestImageBuilder.DefaultCmdline;

    /// <summary>Appended to <see cref="GuestCmdline"/>, e.g. <c>am.dirty=1</c>.</summary>
    public string? ExtraKernelArgs { get; init; }

    /// <summary><c>auto</c> (probe KVM, fall back to TCG), <c>kvm</c> or <c>tcg</c>.</summary>
    public string Accelerator { get; init; } = "auto";

    /// <summary>How long the KVM probe waits for the guest's first heartbeat.</summary>
    public TimeSpan KvmProbeTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Default timeout of one QMP command.</summary>
    public TimeSpan QmpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long QEMU may take to daemonize.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a block job may take to go away after complete/cancel.</summary>
    public TimeSpan BlockJobFinishTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Unlimited migration bandwidth is sent as this value (QEMU has no "unlimited").</summary>
    public long UnlimitedBandwidthBytesPerSec { get; init; } = 16L << 30;

    /// <summary>
    /// TLS for migrations and NBD between nodes (the cluster's certificates). Null: plain TCP, for tests of a
    /// single host only; the member process always sets it.
    /// </summary>
    public QemuTls? Tls { get; init; }

    /// <summary>Options with the test kernel option of a guest image directory built by <c>scripts/build-guest-image.sh</c>.</summary>
    public static QemuDriverOptions FromGuestImage(string dir)
    {
        var cmdlineFile = Path.Combine(dir, "cmdline");
        return new QemuDriverOptions
        {
            GuestKernel = Path.Combine(dir, "vmlinuz"),
            GuestInitrd = Path.Combine(dir, "initramfs.cpio.gz"),
            GuestCmdline = File.Exists(cmdlineFile) ? File.ReadAllText(cmdlineFile).Trim() : GuestImage.GuestImageBuilder.DefaultCmdline
        };
    }
}
