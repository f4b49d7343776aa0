using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace ActorMigration.Domain.Ha;

/// <summary>
/// An HA resource as Proxmox's resources.cfg keeps it: only what was set is stored (null = not set, the default applies).
/// <see cref="Sid"/> is <c>vm:&lt;vmid&gt;</c>; state <c>enabled</c> is stored as <c>started</c>.
/// </summary>
public sealed record HaResource(string Sid, string? State, int? MaxRestart, int? MaxRelocate, string? Group, string? Comment)
{
    [JsonIgnore]
    public int VmId => HaSid.VmIdOf(Sid);

    /// <summary>The requested state with Proxmox's default (started).</summary>
    [JsonIgnore]
    public string EffectiveState => State ?? HaStates.Started;

    [JsonIgnore]
    public int EffectiveMaxRestart => MaxRestart ?? 1;

    [JsonIgnore]
    public int EffectiveMaxRelocate => MaxRelocate ?? 1;
}

/// <summary>One entry of a group's node list: <c>node1:2</c> (priority 0 when not given).</summary>
public sealed record HaGroupNode(string Node, int Priority)
{
    public override string ToString() => Priority == 0 ? Node : $"{Node}:{Priority}";
}

/// <summary>An HA group (Proxmox's groups.cfg): preferred nodes with priorities; null flags are not set (0).</summary>
public sealed record HaGroup(string Name, IReadOnlyList<HaGroupNode> Nodes, bool? Restricted, bool? NoFailback, string? Comment)
{
    /// <summary>The node list as Proxmox prints it: <c>node1:2,node2</c>.</summary>
    [JsonIgnore]
    public string NodeList => string.Join(',', Nodes);
}

/// <summary>
/// A Proxmox 9 HA rule (rules.cfg) of type <c>resource-affinity</c>: keep its resources together (<c>positive</c>) or apart
/// (<c>negative</c>). <see cref="Resources"/> are sids, sorted as Proxmox writes them; <see cref="Order"/> is its ordinal.
/// </summary>
public sealed record HaRule(string Name, string Type, IReadOnlyList<string> Resources, string Affinity, bool? Disable, string? Comment, int Order)
{
    public const string ResourceAffinity = "resource-affinity";

    [JsonIgnore]
    public string ResourceList => string.Join(',', Resources);

    [JsonIgnore]
    public bool Enabled => Disable != true;
}

public static class HaStates
{
    public const string Started = "started";
    public const string Stopped = "stopped";
    public const string Disabled = "disabled";
    public const string Ignored = "ignored";

    /// <summary>What the API accepts; <c>enabled</c> is Proxmox's alias of started.</summary>
    public static readonly string[] Requestable = [Started, Stopped, "enabled", Disabled, Ignored];

    public static string Normalize(string state) => state == "enabled" ? Started : state;
}

/// <summary>
/// The cluster's HA configuration: resources and groups (and changes waiting for a task). <see cref="Version"/> grows with every applied event, so a
/// member keeps the newest copy it has seen.
/// </summary>
/// <param name="FollowUps">Changes waiting for their task to end, by UPID.</param>
public sealed record HaConfigState(
    long Version, ImmutableSortedDictionary<string, HaResource> Resources, ImmutableSortedDictionary<string, HaGroup> Groups,
    ImmutableSortedDictionary<string, HaFollowUpPlanned> FollowUps)
{
    public static readonly HaConfigState Empty = new(0,
        ImmutableSortedDictionary.Create<string, HaResource>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, HaGroup>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, HaFollowUpPlanned>(StringComparer.Ordinal));

    /// <summary>HA rules by name (Proxmox 9 rules.cfg); absent in events and states written before rules existed.</summary>
    public ImmutableSortedDictionary<string, HaRule> Rules { get; init; } = ImmutableSortedDictionary.Create<string, HaRule>(StringComparer.Ordinal);

    public HaResource? ResourceOfVm(int vmid) => Resources.GetValueOrDefault(HaSid.OfVm(vmid));

    /// <summary>Proxmox's digest of resources.cfg: the SHA-1 of the file as it would be written.</summary>
    [JsonIgnore]
    public string ResourcesDigest => Digest(ResourcesText());

    [JsonIgnore]
    public string GroupsDigest => Digest(GroupsText());

    [JsonIgnore]
    public string RulesDigest => Digest(RulesText());

    // Sections in rule order, keys sorted, as SectionConfig writes them.
    private string RulesText()
    {
        var sb = new StringBuilder();
        foreach (var r in Rules.Values.OrderBy(r => r.Order).ThenBy(r => r.Name, StringComparer.Ordinal))
        {
            sb.Append(r.Type).Append(": ").Append(r.Name).Append('\n');
            Line(sb, "affinity", r.Affinity);
            Line(sb, "comment", r.Comment);
            Line(sb, "disable", r.Disable is { } d ? (d ? "1" : "0") : null);
            Line(sb, "resources", r.ResourceList);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private string ResourcesText()
    {
        var sb = new StringBuilder();
        foreach (var r in Resources.Values.OrderBy(r => r.Sid, StringComparer.Ordinal))
        {
            sb.Append("vm: ").Append(r.VmId).Append('\n');
            Line(sb, "comment", r.Comment);
            Line(sb, "group", r.Group);
            Line(sb, "max_relocate", r.MaxRelocate?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Line(sb, "max_restart", r.MaxRestart?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Line(sb, "state", r.State);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private string GroupsText()
    {
        var sb = new StringBuilder();
        foreach (var g in Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            sb.Append("group: ").Append(g.Name).Append('\n');
            Line(sb, "comment", g.Comment);
            Line(sb, "nodes", g.NodeList);
            Line(sb, "nofailback", g.NoFailback is { } n ? (n ? "1" : "0") : null);
            Line(sb, "restricted", g.Restricted is { } r ? (r ? "1" : "0") : null);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string key, string? value)
    {
        if (value is not null) sb.Append('\t').Append(key).Append(' ').Append(value).Append('\n');
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
}
