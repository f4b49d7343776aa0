namespace ActorMigration.Drivers.Qemu.Conntrack;

/// <summary>Output format used to list entries.</summary>
public enum ConntrackListFormat
{
    /// <summary>`-o save`: `-I` grammar with NAT bits and SCTP vtags, but no mark (conntrack-tools ≥ 1.4.6).</summary>
    Save,
    /// <summary>`-o extended`: human listing with mark and zone; NAT is inferred from the tuples.</summary>
    Extended,
}

/// <summary>Settings of <see cref="LinuxConntrackDriver"/>.</summary>
public sealed record ConntrackOptions
{
    /// <summary>`ip netns` name of the node's host network; null = the current namespace.</summary>
    public string? Netns { get; init; }

    public string ConntrackPath { get; init; } = "conntrack";
    public string IpPath { get; init; } = "ip";

    /// <summary>Limit for one conntrack/ip invocation.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Load with one `conntrack --load-file -` (falls back to one `-I` per entry on error).</summary>
    public bool BatchLoad { get; init; } = true;

    /// <summary>Format of the dump listing; Save falls back to Extended when the tool rejects it.</summary>
    public ConntrackListFormat DumpFormat { get; init; } = ConntrackListFormat.Save;

    /// <summary>Dump size cap in bytes (Proxmox caps at 1 MiB as well); null = no cap.</summary>
    public int? MaxDumpBytes { get; init; } = 1024 * 1024;
}
