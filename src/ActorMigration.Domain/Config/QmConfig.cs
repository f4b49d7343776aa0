using System.Text;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Config;

/// <summary>Proxmox <c>qemu-server/&lt;vmid&gt;.conf</c> text: parse and print, round-trip safe.</summary>
public sealed partial class QmConfig
{
    public const string PendingSection = "PENDING";
    private static readonly Regex KeyLine = new(@"^([a-z][a-z_\-]*[0-9]*):\s*(.*?)\s*\z", RegexOptions.Compiled);
    private static readonly Regex SectionLine = new(@"^\[([a-zA-Z0-9_\-:\.]+)\]\s*\z", RegexOptions.Compiled);

    public QmSection Main { get; } = new();
    public QmSection? Pending { get; set; }
    /// <summary>Snapshot sections in file order (printed sorted by name).</summary>
    public List<(string Name, QmSection Section)> Snapshots { get; } = new();
    /// <summary>Other bracketed sections (e.g. special:cloudinit), kept verbatim.</summary>
    public List<(string Name, QmSection Section)> Special { get; } = new();

    /// <summary>Lines <see cref="Parse"/> skipped, in Proxmox's wording; empty for a config built in code.</summary>
    public IReadOnlyList<string> ParseErrors { get; private set; } = [];

    public string? this[string key]
    {
        get => Main[key];
        set => Main[key] = value;
    }

    /// <summary>
    /// Reads a config the way parse_vm_config does: a line it cannot parse is skipped and reported in
    /// <see cref="ParseErrors"/>. For reading what is stored; input is checked with <see cref="ParseStrict"/>.
    /// </summary>
    public static QmConfig Parse(string text)
    {
        var errors = new List<string>();
        var cfg = Read(text, errors);
        cfg.ParseErrors = errors;
        return cfg;
    }

    /// <summary>Like <see cref="Parse"/>, but the first line it cannot parse is a <see cref="QmConfigFormatException"/>.</summary>
    public static QmConfig ParseStrict(string text) => Read(text, null);

    private static QmConfig Read(string text, List<string>? errors)
    {
        var cfg = new QmConfig();
        var current = cfg.Main;
        var lineNo = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd();
            if (line.Length == 0) continue;
            if (raw.StartsWith('#'))
            {
                // '#(.*)$': trailing spaces of a line are part of the text.
                var d = UnescapeDescription(raw[1..]);
                current.Description = current.Description is null ? d : current.Description + "\n" + d;
                continue;
            }
            var sm = SectionLine.Match(line);
            if (sm.Success)
            {
                var name = sm.Groups[1].Value;
                FinishDescription(current);
                current = new QmSection();
                if (name == PendingSection) cfg.Pending = current;
                else if (name.Contains(':')) cfg.Special.Add((name, current));
                else cfg.Snapshots.Add((name, current));
                continue;
            }
            var km = KeyLine.Match(line);
            if (!km.Success)
            {
                var error = $"vm config - unable to parse line {lineNo}: {line}";
                if (errors is null) throw new QmConfigFormatException(error);
                errors.Add(error);
                continue;
            }
            var key = km.Groups[1].Value;
            var value = km.Groups[2].Value;
            if (key == "description")
                current.Description = current.Description is null ? value : current.Description + "\n" + value;
            else
                current[key] = value;
        }
        FinishDescription(current);
        return cfg;
    }

    // parse_vm_config: $descr =~ s/\s+$//
    private static void FinishDescription(QmSection s)
    {
        if (s.Description is { } d) s.Description = d.TrimEnd();
    }

    /// <summary>Strict parse without an exception.</summary>
    public static bool TryParse(string text, out QmConfig? config, out string? error)
    {
        try
        {
            config = ParseStrict(text);
            error = null;
            return true;
        }
        catch (QmConfigFormatException e)
        {
            config = null;
            error = e.Message;
            return false;
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        WriteSection(sb, Main, pending: false);
        if (Pending is not null)
        {
            sb.Append("\n[").Append(PendingSection).Append("]\n");
            WriteSection(sb, Pending, pending: true);
        }
        // write_vm_config prints special sections and snapshots sorted by name.
        foreach (var (name, s) in Special.OrderBy(x => x.Name, StringComparer.Ordinal))
        {
            sb.Append("\n[").Append(name).Append("]\n");
            WriteSection(sb, s, pending: false);
        }
        foreach (var (name, s) in Snapshots.OrderBy(x => x.Name, StringComparer.Ordinal))
        {
            sb.Append("\n[").Append(name).Append("]\n");
            WriteSection(sb, s, pending: false);
        }
        return sb.ToString();
    }

    private static void WriteSection(StringBuilder sb, QmSection s, bool pending)
    {
        if (s.Description is { Length: > 0 } d)
        {
            // Perl's split(/\n/) drops trailing empty lines.
            var lines = d.Split('\n').AsEnumerable().Reverse().SkipWhile(l => l.Length == 0).Reverse();
            foreach (var l in lines)
                sb.Append('#').Append(EscapeDescription(l)).Append('\n');
        }
        else if (s.Description is not null && pending)
            sb.Append("#\n");
        foreach (var (k, v) in s.Values)
            sb.Append(k).Append(": ").Append(v).Append('\n');
    }

    // PVE::Tools::encode_text: control and hi-bit bytes, ':' and '%' (fix #5486).
    private static string EscapeDescription(string line)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(line))
        {
            if (b < 0x20 || b >= 0x7F || b == (byte)':' || b == (byte)'%') sb.Append('%').Append(b.ToString("X2"));
            else sb.Append((char)b);
        }
        return sb.ToString();
    }

    // PVE::Tools::decode_text: %XX bytes, then UTF-8.
    private static string UnescapeDescription(string line)
    {
        var bytes = new List<byte>(line.Length);
        var start = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != '%' || i + 2 >= line.Length || !Uri.IsHexDigit(line[i + 1]) || !Uri.IsHexDigit(line[i + 2]))
                continue;
            bytes.AddRange(Encoding.UTF8.GetBytes(line[start..i]));
            bytes.Add(Convert.ToByte(line.Substring(i + 1, 2), 16));
            i += 2;
            start = i + 1;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(line[start..]));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public QmConfig Clone() => Parse(ToString());

    public QmSection? Snapshot(string name) =>
        Snapshots.FirstOrDefault(s => s.Name == name).Section;

    public bool IsTemplate => Main["template"] == "1";
    public string? Lock => Main["lock"];
    public string Name(int vmid) => Main["name"] ?? $"VM {vmid}";
}

public sealed class QmConfigFormatException(string message) : FormatException(message);
