using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>Where a node listens for incoming migrations and NBD, and how that host is written in a URI.</summary>
public sealed class NodeAddress(string address)
{
    public string ListenHost(IncomingSpec? inc) =>
        string.IsNullOrWhiteSpace(inc?.ListenHost) ? address : inc!.ListenHost;

    public string UriHost(string host, bool forListen = false)
    {
        if (!forListen && host is "0.0.0.0" or "::" or "[::]") host = address;
        return host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
    }
}
