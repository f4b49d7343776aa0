using System.Text.Json.Nodes;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Qmp;

namespace ActorMigration.Drivers.Qemu;

/// <summary>
/// QEMU's TLS (tls-creds-x509) for the streams between nodes: the incoming migration, the NBD server that receives
/// mirrored disks, and their clients on the source. <paramref name="Dir"/> holds ca-cert.pem, server-cert.pem,
/// server-key.pem, client-cert.pem and client-key.pem issued by the cluster CA; both ends verify the peer's
/// certificate against it, and clients check the server's name against <paramref name="Hostname"/>.
/// </summary>
public sealed record QemuTls(string Dir, string Hostname)
{
    public const string ServerId = "am-tls-server";
    public const string ClientId = "am-tls-client";

    private string ServerObject => $"tls-creds-x509,id={ServerId},endpoint=server,dir={Dir.Replace(",", ",,")},verify-peer=on";

    private string ClientObject => $"tls-creds-x509,id={ClientId},endpoint=client,dir={Dir.Replace(",", ",,")}";

    /// <summary>Command-line arguments of an incoming VM: the server credentials, used by the incoming migration.</summary>
    public IEnumerable<string> IncomingArgs() => ["-object", ServerObject, "-global", $"migration.tls-creds={ServerId}"];

    /// <summary>qemu-nbd arguments: the export takes only TLS clients with a certificate of the cluster CA.</summary>
    public IEnumerable<string> NbdExportArgs() => ["--object", ServerObject, "--tls-creds", ServerId];

    /// <summary>
    /// The output options and target of <c>qemu-img convert -n</c> into the raw export at <paramref name="nbdUri"/>
    /// (<c>nbd://host:port/export</c>): with <paramref name="tls"/> the client credentials and the target as image
    /// options that connect with TLS, without it <c>-O raw</c> and the URI.
    /// </summary>
    public static (IReadOnlyList<string> Options, string Target) ConvertToNbd(QemuTls? tls, string nbdUri)
    {
        if (tls is null) return (["-O", "raw"], nbdUri);
        var uri = new Uri(nbdUri);
        var target = $"driver=raw,file.driver=nbd,file.server.type=inet,file.server.host={uri.Host.Trim('[', ']')}," +
            $"file.server.port={uri.Port},file.export={uri.AbsolutePath.TrimStart('/')},file.tls-creds={ClientId},file.tls-hostname={tls.Hostname}";
        return (["--object", tls.ClientObject, "--target-image-opts"], target);
    }

    /// <summary>Adds the client credentials to a running VM (once; a VM migrated in twice already has them).</summary>
    public async Task EnsureClientAsync(QmpSessions qmp, int vmid, CancellationToken ct)
    {
        try
        {
            await qmp.ExecuteAsync(vmid, "object-add", new JsonObject
            {
                ["qom-type"] = "tls-creds-x509",
                ["id"] = ClientId,
                ["endpoint"] = "client",
                ["dir"] = Dir,
                ["verify-peer"] = true,
            }, ct: ct);
        }
        catch (QmpException e) when (e.Desc.Contains("duplicate", StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    /// <summary>The source's migration parameters that make the outgoing migration TLS.</summary>
    public void AddMigrationParameters(JsonObject parameters)
    {
        parameters["tls-creds"] = ClientId;
        parameters["tls-hostname"] = Hostname;
    }

    /// <summary>
    /// A drive-mirror target (format raw) for the export <paramref name="export"/> of the NBD server at
    /// <paramref name="uri"/> (<c>nbd:host:port</c>), connecting with TLS.
    /// </summary>
    public string NbdMirrorTarget(string uri, string export)
    {
        var hostPort = uri["nbd:".Length..];
        var colon = hostPort.LastIndexOf(':');
        var host = hostPort[..colon].Trim('[', ']');
        var nbd = new JsonObject
        {
            ["driver"] = "nbd",
            ["server"] = new JsonObject { ["type"] = "inet", ["host"] = host, ["port"] = hostPort[(colon + 1)..] },
            ["export"] = export,
            ["tls-creds"] = ClientId,
            ["tls-hostname"] = Hostname,
        };
        return "json:" + new JsonObject { ["driver"] = "raw", ["file"] = nbd }.ToJsonString();
    }
}
