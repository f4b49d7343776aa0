using System.Globalization;
using System.Numerics;
using System.Text;

namespace ActorMigration.Bench.Fuzz;

/// <summary>
/// Generic mutations of a valid value: control characters, surrounding whitespace, Unicode digits, NaN/Infinity,
/// huge numbers, very long strings, empty strings, wrong JSON types, invalid UTF-8, look-alike letters.
/// </summary>
internal static class Mutations
{
    private static readonly string[] CtlChars = ["\0", "\u0001", "\u001b", "\u007f"];
    private static readonly string[] LineChars = ["\n", "\r", "\r\n"];
    private static readonly string[] HugeValues = ["99999999999", "1e308", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "1" + new string('0', 400), "1e-400"];
    private static readonly string[] NaNs = ["NaN", "Infinity", "-Infinity", "nan", "inf"];

    public static Val Apply(P p, GenContext c, Val valid, bool json)
    {
        var v = valid.Text;
        var r = c.Rng;
        var ops = new List<Func<Val>>
        {
            () => Insert(v, c.Pick(CtlChars), r).Mk(Tag.Ctl, "control character"),
            () => Insert(v, c.Pick(LineChars), r).Mk(Tag.CtlLine, p.Kind == Kind.MultiText ? null : "line break in a one-line value"),
            () =>
            {
                var s = c.Chance(0.5) ? c.Pick([" ", "\t", "  "]) + v : v + c.Pick([" ", "\t", "\n"]);
                var nl = s.EndsWith('\n') && !v.EndsWith('\n');
                return s.Mk(Tag.Ws | (nl ? Tag.CtlLine : 0),
                    p.Strict ? "surrounding whitespace" : nl && p.Kind != Kind.MultiText ? "line break in a one-line value" : null);
            },
            () => NaNValue(p, c),
            () => HugeValue(p, c),
            () => new string(v.Length > 0 ? v[0] : 'x', p.MaxLen > 0 && c.Chance(0.5) ? p.MaxLen + 1 : 70_000)
                .Mk(Tag.Long, p.MaxLen > 0 || p.Strict && !p.Numeric || p.Kind is Kind.Dns or Kind.VmId or Kind.NewId ? "longer than any limit" : null),
            () => "".Mk(Tag.Empty, null),
            () => Lookalike(v).Mk(Tag.Unicode, p.Strict || p.Kind is Kind.Dns or Kind.Storage ? "look-alike letters" : null),
        };
        if (v.Any(char.IsAsciiDigit)) ops.Add(() => UnicodeDigits(v, c).Mk(Tag.UDigit,
            p.Numeric || p.Kind is not (Kind.Text or Kind.MultiText or Kind.Any or Kind.Tags) ? "non-ASCII digits" : null));
        if (json)
        {
            ops.Add(() => new Val(v, Tag.WrongType, c.Pick(["[1,2]", "{\"a\":1}", "[[[[[[[[[[]]]]]]]]]]", "[\"" + v + "\"]"]),
                MustRefuse: "an array or object"));
            ops.Add(() => new Val(v, Tag.JsonScalar, c.Pick(["5", "true", "null", "1.0", "-0", "1E400"])));
            ops.Add(() => new Val(v, Tag.BadUtf8, "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\\ud800\"", MustRefuse: "a lone surrogate"));
        }
        else
        {
            ops.Add(() => new Val(v + "\uFFFD", Tag.BadUtf8, RawForm: Uri.EscapeDataString(v) + c.Pick(["%FF", "%C0%AF", "%E2%82", "%ED%A0%80"]),
                MustRefuse: "invalid UTF-8"));
        }
        return c.Pick(ops)();
    }

    private static Val Mk(this string text, Tag tags, string? must) => new(text, tags, MustRefuse: must);

    private static string Insert(string v, string what, Random r)
    {
        var at = r.Next(3) switch { 0 => 0, 1 => v.Length, _ => r.Next(v.Length + 1) };
        return v.Insert(at, what);
    }

    private static string UnicodeDigits(string v, GenContext c)
    {
        var zero = c.Pick(['\u0660', '\uff10', '\u06f0', '\u0966']);
        var sb = new StringBuilder(v.Length);
        foreach (var ch in v) sb.Append(char.IsAsciiDigit(ch) ? (char)(zero + (ch - '0')) : ch);
        return sb.ToString();
    }

    private static string Lookalike(string v)
    {
        var sb = new StringBuilder(v);
        for (var i = 0; i < sb.Length; i++)
            sb[i] = sb[i] switch { 'o' => '\u043e', 'a' => '\u0430', 'e' => '\u0435', 'l' => '\u04cf', _ => sb[i] };
        return sb.ToString() == v ? v + "\u200b" : sb.ToString();
    }

    private static Val NaNValue(P p, GenContext c)
    {
        var text = p.Kind is Kind.Drive ? "local:" + c.Pick(NaNs) : c.Pick(NaNs);
        return text.Mk(Tag.NaN, p.Numeric || p.Kind is Kind.Bool or Kind.Drive ? "not a finite number" : null);
    }

    /// <summary>A huge value; must be refused where it is no integer, or outside the parameter's range.</summary>
    private static Val HugeValue(P p, GenContext c)
    {
        var h = c.Pick(HugeValues);
        if (p.Kind == Kind.Drive) return ("local:" + h).Mk(Tag.Huge, "size out of range");
        string? must = null;
        if (p.Kind is Kind.VmId or Kind.NewId or Kind.Memory or Kind.Bool or Kind.Enum or Kind.Node or Kind.Storage) must = "out of range";
        else if (p.Kind == Kind.Int)
        {
            var isInt = BigInteger.TryParse(h, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n);
            if (!isInt || n < p.Min || n > p.Max) must = isInt ? "out of range" : "not an integer";
        }
        else if (p.Kind == Kind.Number)
        {
            var d = double.Parse(h, CultureInfo.InvariantCulture);
            if (double.IsInfinity(d) || d < p.Min || d > p.Max) must = "out of range";
        }
        return h.Mk(Tag.Huge, must);
    }
}
