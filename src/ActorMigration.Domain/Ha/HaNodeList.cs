using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Ha;

/// <summary>A group's node list, <c>node1:2,node2</c> (pve-ha-node-list): Proxmox's format check and parse.</summary>
public static class HaNodeList
{
    private static readonly Regex Entry = new(@"^([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)(:([0-9]+))?\z", RegexOptions.Compiled);

    /// <summary>The entries, or the format error (the text after Proxmox's <c>invalid format - </c>).</summary>
    public static (IReadOnlyList<HaGroupNode> Nodes, string? Error) Parse(string value)
    {
        var nodes = new List<HaGroupNode>();
        // split_list: commas, semicolons and whitespace separate; empty parts are skipped.
        foreach (var part in value.Split([',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var m = Entry.Match(part);
            if (!m.Success || (m.Groups[4].Success && !int.TryParse(m.Groups[4].Value, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                return ([], "value does not look like a valid ha node");
            var node = m.Groups[1].Value;
            // Our extension: one priority per node (Proxmox keeps both entries and the priority it meets first wins).
            if (nodes.Any(n => n.Node == node)) return ([], $"node '{node}' is listed twice");
            nodes.Add(new HaGroupNode(node, m.Groups[4].Success ? int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : 0));
        }
        return nodes.Count == 0 ? ([], "value does not look like a valid ha node") : (nodes, null);
    }
}
