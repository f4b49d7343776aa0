using System.Text;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

/// <summary>The OVF parser's bounds: document size, element depth, exponents, NIC count. Each just under and just over.</summary>
public class OvfLimitsTests
{
    private const string Volid = "local:import/vm.ovf";
    private static readonly string Win10 = Fixtures.Text("ovf", "Win10-Liz.ovf");

    private static ImportMetadata Parse(string xml) => OvfParser.Parse(xml, Volid, _ => true);

    private static ImportException Refused(string xml) => Assert.Throws<ImportException>(() => Parse(xml));

    /// <summary>The fixture with <paramref name="levels"/> nested elements inside the VirtualSystem (itself at depth 1).</summary>
    private static string Nested(int levels)
    {
        var sb = new StringBuilder(Win10.Length + levels * 8);
        var at = Win10.IndexOf("<VirtualSystem ovf:id=\"vm\">", StringComparison.Ordinal) + "<VirtualSystem ovf:id=\"vm\">".Length;
        sb.Append(Win10, 0, at);
        for (var i = 0; i < levels; i++) sb.Append("<a>");
        for (var i = 0; i < levels; i++) sb.Append("</a>");
        return sb.Append(Win10, at, Win10.Length - at).ToString();
    }

    [Fact]
    public void Elements_up_to_the_depth_limit_are_parsed_and_one_level_more_is_refused()
    {
        // Envelope is depth 0, VirtualSystem 1: the deepest <a> is at depth 1 + levels.
        Assert.Equal("Win10-Liz", Parse(Nested(OvfParser.MaxDepth - 2)).CreateArgs["name"]);
        var e = Refused(Nested(OvfParser.MaxDepth - 1));
        Assert.StartsWith($"failed to parse OVF: elements nested deeper than {OvfParser.MaxDepth} levels", e.Message);
    }

    [Fact]
    public void A_small_file_with_200000_nested_elements_is_refused()
    {
        // 1.4 MB; building its tree took minutes (the cost grows with the square of the depth).
        var xml = Nested(200_000);
        Assert.InRange(xml.Length, 1_300_000, 1_500_000);
        Assert.Contains("nested deeper than", Refused(xml).Message);
    }

    [Fact]
    public void A_document_up_to_the_size_limit_is_parsed_and_one_character_more_is_refused()
    {
        var padded = Win10 + new string(' ', OvfParser.MaxDocumentChars - Win10.Length);
        Assert.Equal("Win10-Liz", Parse(padded).CreateArgs["name"]);
        var e = Refused(padded + " ");
        Assert.Equal($"failed to parse OVF: the descriptor has {OvfParser.MaxDocumentChars + 1} characters, at most {OvfParser.MaxDocumentChars} are " +
            $"accepted", e.Message);
    }

    [Fact]
    public void A_huge_memory_exponent_is_refused_at_once()
    {
        // 1^2147483647 looped two billion times (8-13 s per request).
        var xml = Win10.Replace("<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>", "<rasd:AllocationUnits>byte * 1^2147483647</rasd:AllocationUnits>");
        Assert.Equal("failed to parse OVF: unsupported memory AllocationUnits 'byte * 1^2147483647'", Refused(xml).Message);
    }

    private static string WithNics(int count)
    {
        var nic = Regex.Match(Win10, @"<Item>(?:(?!</Item>).)*<rasd:ResourceType>10</rasd:ResourceType>.*?</Item>", RegexOptions.Singleline).Value;
        Assert.NotEmpty(nic);
        return Win10.Replace(nic, string.Concat(Enumerable.Repeat(nic, count)));
    }

    [Fact]
    public void Up_to_32_network_adapters_are_mapped_and_one_more_is_refused()
    {
        Assert.Equal(32, Parse(WithNics(32)).Net.Count);
        Assert.Equal("failed to parse OVF: more than 32 network adapters, Proxmox has net0 to net31 only", Refused(WithNics(33)).Message);
    }
}
