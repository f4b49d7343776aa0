using System.Globalization;

namespace ActorMigration.Domain.Config;

/// <summary>A VM's configured memory (<c>memory: [current=]&lt;MiB&gt;</c>).</summary>
public static class VmMemory
{
    private const long DefaultMiB = 512;

    /// <summary>The memory of a VM whose config does not say or cannot be read: 512 MiB, Proxmox's default.</summary>
    public const long DefaultBytes = DefaultMiB * SizeFormat.MiB;

    /// <summary>Memory in bytes; 512 MiB when the stored value cannot be read.</summary>
    public static long Bytes(QmSection c)
    {
        var mib = DefaultMiB;
        try
        {
            if (long.TryParse(PropertyString.Parse(c["memory"] ?? "512", "current")["current"], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                && m <= long.MaxValue / SizeFormat.MiB)
                mib = m;
        }
        catch (FormatException)
        {
        }
        return mib * SizeFormat.MiB;
    }
}
