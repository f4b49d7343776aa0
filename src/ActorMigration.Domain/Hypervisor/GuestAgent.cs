using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Hypervisor;

/// <summary>
/// The <c>agent</c> option (<c>[enabled=]&lt;1|0&gt;[,fstrim_cloned_disks=&lt;1|0&gt;][,freeze-fs=&lt;1|0&gt;][,type=virtio|isa]</c>)
/// and qemu-server's assert_agent_available texts.
/// </summary>
public static class GuestAgent
{
    /// <summary>The name of the agent's serial port inside the guest (qemu-ga listens on it).</summary>
    public const string PortName = "org.qemu.guest_agent.0";

    public const string NotConfigured = "No QEMU guest agent configured";
    public const string NotRunning = "QEMU guest agent is not running";

    public static string VmNotRunning(int vmid) => $"VM {vmid} is not running";

    /// <summary>
    /// The agent channel's type (virtio or isa) when the option enables the agent, else null. As parse_guest_agent: a
    /// value that cannot be read counts as disabled.
    /// </summary>
    public static string? Channel(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        PropertyString p;
        try
        {
            p = PropertyString.Parse(value, "enabled");
        }
        catch (FormatException)
        {
            return null;
        }
        if (!IsTrue(p["enabled"])) return null;
        return p["type"] switch
        {
            null or "virtio" => "virtio",
            "isa" => "isa",
            _ => null
        };
    }

    private static bool IsTrue(string? v) => v?.ToLowerInvariant() is "1" or "on" or "yes" or "true";
}
