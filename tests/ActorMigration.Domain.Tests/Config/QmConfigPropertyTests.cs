using System.Text;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Tests.Config;

/// <summary>Random configs (seeded, so failures reproduce) must survive print → parse → print.</summary>
public class QmConfigPropertyTests
{
    private static readonly string[] KeyPool =
    [
        "agent", "args", "balloon", "bios", "boot", "cores", "cpu", "efidisk0", "hostpci0", "ide2", "ipconfig0",
        "lock", "machine", "memory", "meta", "name", "net0", "net1", "net10", "net2", "numa", "onboot", "ostype",
        "sata0", "scsi0", "scsi1", "scsi10", "scsihw", "serial0", "smbios1", "sockets", "tags", "tpmstate0",
        "unused0", "unused1", "usb0", "vga", "virtio0", "vmgenid", "vmstate", "parent", "snaptime",
    ];

    // Description characters: ASCII incl. ':' '#' '[' and escapes, control chars, non-BMP and CJK.
    // '%' and trailing whitespace are left out here: both are known bugs with their own tests.
    private static readonly string DescriptionAlphabet =
        "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789:#[]=,;!?*_-/\\\"'`~{}()<>@&$^|\t\u0001\u007fäöüßé—✓日本🚀";

    private static string Value(Random r)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=,:;/._-+!#%[]{}$@";
        var len = r.Next(1, 40);
        var sb = new StringBuilder();
        for (var i = 0; i < len; i++)
            sb.Append(i > 0 && i < len - 1 && r.Next(8) == 0 ? ' ' : chars[r.Next(chars.Length)]);
        return sb.ToString();
    }

    private static string? Description(Random r)
    {
        if (r.Next(3) == 0) return null;
        var lines = new List<string>();
        var n = r.Next(1, 5);
        for (var i = 0; i < n; i++)
        {
            var sb = new StringBuilder();
            var len = r.Next(i == n - 1 ? 1 : 0, 30);
            var elements = System.Globalization.StringInfo.GetTextElementEnumerator(DescriptionAlphabet);
            var alphabet = new List<string>();
            while (elements.MoveNext()) alphabet.Add((string)elements.Current);
            for (var j = 0; j < len; j++) sb.Append(alphabet[r.Next(alphabet.Count)]);
            lines.Add(sb.ToString().TrimEnd());
        }
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines.Count == 0 ? null : string.Join('\n', lines);
    }

    private static QmSection Section(Random r)
    {
        var s = new QmSection { Description = Description(r) };
        foreach (var k in KeyPool.OrderBy(_ => r.Next()).Take(r.Next(1, 15)))
            s[k] = Value(r);
        return s;
    }

    private static QmConfig RandomConfig(Random r)
    {
        var cfg = new QmConfig();
        var main = Section(r);
        cfg.Main.Description = main.Description;
        foreach (var (k, v) in main.Values) cfg[k] = v;
        if (r.Next(3) == 0)
        {
            cfg.Pending = Section(r);
            cfg.Pending["delete"] = string.Join(',', KeyPool.OrderBy(_ => r.Next()).Take(r.Next(1, 4)));
        }
        if (r.Next(4) == 0) cfg.Special.Add(("special:cloudinit", Section(r)));
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = r.Next(0, 4); i > 0; i--)
        {
            const string nameChars = "abcdefghijklmnopqrstuvwxyz0123456789_-";
            var name = "s" + new string(Enumerable.Range(0, r.Next(1, 10)).Select(_ => nameChars[r.Next(nameChars.Length)]).ToArray());
            names.Add(name);
        }
        foreach (var name in names) cfg.Snapshots.Add((name, Section(r)));
        return cfg;
    }

    private static void AssertSameSection(QmSection expected, QmSection actual)
    {
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Random_configs_round_trip()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var r = new Random(seed);
            var cfg = RandomConfig(r);
            var text = cfg.ToString();
            QmConfig parsed;
            try { parsed = QmConfig.Parse(text); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"seed {seed}: {e.Message}\n{text}"); }

            Assert.True(text == parsed.ToString(), $"seed {seed}: print is not stable\n{text}");
            AssertSameSection(cfg.Main, parsed.Main);
            Assert.Equal(cfg.Pending is null, parsed.Pending is null);
            if (cfg.Pending is not null) AssertSameSection(cfg.Pending, parsed.Pending!);
            Assert.Equal(cfg.Snapshots.Select(s => s.Name), parsed.Snapshots.Select(s => s.Name));
            foreach (var ((_, a), (_, b)) in cfg.Snapshots.Zip(parsed.Snapshots)) AssertSameSection(a, b);
            Assert.Equal(cfg.Special.Select(s => s.Name), parsed.Special.Select(s => s.Name));
            foreach (var ((_, a), (_, b)) in cfg.Special.Zip(parsed.Special)) AssertSameSection(a, b);
        }
    }

    [Fact]
    public void Editing_one_key_changes_only_that_line()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var r = new Random(1000 + seed);
            var cfg = RandomConfig(r);
            var before = cfg.ToString();
            var key = cfg.Main.Keys.ElementAt(r.Next(cfg.Main.Keys.Count()));
            var oldLine = $"{key}: {cfg[key]}\n";
            var edited = QmConfig.Parse(before);
            edited[key] = "edited-value";
            var after = edited.ToString();
            var i = before.IndexOf(oldLine, StringComparison.Ordinal);
            Assert.True(i >= 0, $"seed {seed}");
            var expected = before[..i] + $"{key}: edited-value\n" + before[(i + oldLine.Length)..];
            Assert.Equal(expected, after);
        }
    }
}
