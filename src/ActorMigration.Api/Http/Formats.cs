using System.Text.RegularExpressions;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Api.Http;

/// <summary>Proxmox parameter formats; each returns the format error or null.</summary>
public static class Formats
{
    private static readonly Regex NodeRe = new(@"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?\z", RegexOptions.Compiled);
    private static readonly Regex VmIdRe = new(@"^[1-9][0-9]{2,8}\z", RegexOptions.Compiled);
    private static readonly Regex DnsNameRe = new(
        @"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)\.)*(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)\z", RegexOptions.Compiled);
    private static readonly Regex ConfigIdRe = new(@"^[a-zA-Z][a-zA-Z0-9_\-]+\z", RegexOptions.Compiled);

    public static string? Node(string v) => NodeRe.IsMatch(v) ? null : "value does not look like a valid node name";
    public static string? VmId(string v) => VmIdRe.IsMatch(v) ? null : "value does not look like a valid VM ID";
    public static string? DnsName(string v) => DnsNameRe.IsMatch(v) ? null : "value does not look like a valid DNS name";
    public static string? StorageId(string v) => StorageConfig.StorageIdRe.IsMatch(v) ? null : $"storage ID '{v}' contains illegal characters";
    public static string? ConfigId(string v) => ConfigIdRe.IsMatch(v) && v.Length <= 40 ? null : $"invalid configuration ID '{v}'";

    public static ParamSpec NodeParam(string name = "node", bool optional = false) => new(name, Optional: optional, Format: Node);
    public static ParamSpec VmIdParam(string name = "vmid", bool optional = false) => new(name, PType.Integer, Optional: optional, Format: VmId);
}
