using System.Globalization;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Scheduling;

/// <summary>
/// How many migrations may run at once: in the whole cluster, out of one node, into one node (null = no inbound limit).
/// Kept as the property string <c>cluster=5,outbound=2[,inbound=N]</c> (our datacenter key <c>migration-limits</c>).
/// </summary>
public sealed record MigrationLimits(int Cluster, int Outbound, int? Inbound)
{
    /// <summary>KubeVirt's defaults: parallelMigrationsPerCluster=5, parallelOutboundMigrationsPerNode=2.</summary>
    public static readonly MigrationLimits Default = new(5, 2, null);

    private static readonly string[] Keys = ["cluster", "outbound", "inbound"];

    /// <summary>
    /// Parses the property string; keys left out take their defaults. The error is the text after Proxmox's
    /// <c>invalid format - </c> (parse_property_string: <c>format error\nkey: problem</c>).
    /// </summary>
    public static (MigrationLimits? Limits, string? Error) Parse(string text)
    {
        PropertyString ps;
        try
        {
            ps = PropertyString.Parse(text);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
        var errors = new List<string>();
        var values = new Dictionary<string, int>();
        foreach (var (k, v) in ps.Items)
        {
            if (!Keys.Contains(k)) errors.Add($"{k}: property is not defined in schema and the schema does not allow additional properties");
            else if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                errors.Add($"{k}: type check ('integer') failed - got '{v}'");
            else if (n < 1) errors.Add($"{k}: value must have a minimum value of 1");
            else values[k] = n;
        }
        if (errors.Count > 0) return (null, "format error\n" + string.Join("\n", errors));
        return (new MigrationLimits(
            values.GetValueOrDefault("cluster", Default.Cluster),
            values.GetValueOrDefault("outbound", Default.Outbound),
            values.TryGetValue("inbound", out var i) ? i : null), null);
    }

    /// <summary>The property string: cluster and outbound always, inbound when set.</summary>
    public string Format() => Inbound is { } i
        ? FormattableString.Invariant($"cluster={Cluster},outbound={Outbound},inbound={i}")
        : FormattableString.Invariant($"cluster={Cluster},outbound={Outbound}");

    public override string ToString() => Format();
}
