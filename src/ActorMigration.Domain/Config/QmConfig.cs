using System.Text;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Config;

/// <summary>One section of a qm config: the main part, a snapshot or [PENDING].</summary>
public sealed class QmSection
{
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    public string? Description { get; set; }
    public IReadOnlyDictionary<string, string> Values => _values;

    public string? this[string key]
    {
        get => _values.TryGetValue(key, out var v) ? v : null;
        set
        {
            if (value is null) _values.Remove(key);
            else _values[key] = value;
        }
    }

    public bool Has(string key) => _values.ContainsKey(key);
    public bool Remove(string key) => _values.Remove(key);
    public IEnumerable<string> Keys => _values.Keys;

    public QmSection Clone()
    {
        var c = new QmSection { Description = Description };
        foreach (var (k, v) in _values) c._values[k] = v;
        return c;
    }
}

/// <summary>Proxmox <c>qemu-server/&lt;vmid&gt;.conf</c> text: parse and print, round-trip safe.</summary>
public sealed class QmConfig
{
    public const string PendingSection = "PENDING";
    private static readonly Regex KeyLine = new(@"^([a-z][a-z_\-]*\d*):\s*(.*?)\s*$", RegexOptions.Compiled);
    private static readonly Regex SectionLine = new(@"^\[([a-zA-Z0-9_\-:\.]+)\]\s*$", RegexOptions.Compiled);

    public QmSection Main { get; } = new();
    public QmSection? Pending { get; set; }
    /// <summary>Snapshot sections in file order.</summary>
    public List<(string Name, QmSection Section)> Snapshots { get; } = new();
    /// <summary>Other bracketed sections (e.g. special:cloudinit), kept verbatim.</summary>
    public List<(string Name, QmSection Section)> Special { get; } = new();

    public string? this[string key]
    {
        get => Main[key];
        set => Main[key] = value;
    }

    public static QmConfig Parse(string text)
    {
        var cfg = new QmConfig();
        var current = cfg.Main;
        var lineNo = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd();
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                var d = UnescapeDescription(line[1..]);
                current.Description = current.Description is null ? d : current.Description + "\n" + d;
                continue;
            }
            var sm = SectionLine.Match(line);
            if (sm.Success)
            {
                var name = sm.Groups[1].Value;
                current = new QmSection();
                if (name == PendingSection) cfg.Pending = current;
                else if (name.Contains(':')) cfg.Special.Add((name, current));
                else cfg.Snapshots.Add((name, current));
                continue;
            }
            var km = KeyLine.Match(line);
            if (!km.Success)
                throw new QmConfigFormatException($"vm config - unable to parse line {lineNo}: {line}");
            var key = km.Groups[1].Value;
            var value = km.Groups[2].Value;
            if (key == "description")
                current.Description = current.Description is null ? value : current.Description + "\n" + value;
            else
                current[key] = value;
        }
        return cfg;
    }

    public static bool TryParse(string text, out QmConfig? config, out string? error)
    {
        try
        {
            config = Parse(text);
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
        WriteSection(sb, Main);
        if (Pending is not null)
        {
            sb.Append("\n[").Append(PendingSection).Append("]\n");
            WriteSection(sb, Pending);
        }
        foreach (var (name, s) in Special)
        {
            sb.Append("\n[").Append(name).Append("]\n");
            WriteSection(sb, s);
        }
        foreach (var (name, s) in Snapshots)
        {
            sb.Append("\n[").Append(name).Append("]\n");
            WriteSection(sb, s);
        }
        return sb.ToString();
    }

    private static void WriteSection(StringBuilder sb, QmSection s)
    {
        if (s.Description is not null)
            foreach (var l in s.Description.Split('\n'))
                sb.Append('#').Append(EscapeDescription(l)).Append('\n');
        foreach (var (k, v) in s.Values)
            sb.Append(k).Append(": ").Append(v).Append('\n');
    }

    // PVE::Tools::encode_text: control and hi-bit bytes, and ':'.
    private static string EscapeDescription(string line)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(line))
        {
            if (b < 0x20 || b >= 0x7F || b == (byte)':') sb.Append('%').Append(b.ToString("X2"));
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

public sealed class QmConfigFormatException(string message) : Exception(message);
