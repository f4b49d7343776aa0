using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Api.Http;

public enum PType { String, Integer, Boolean, Number }

/// <summary>One parameter of an endpoint, checked the way pve-common's JSONSchema does it.</summary>
public sealed record ParamSpec(
    string Name,
    PType Type = PType.String,
    bool Optional = true,
    Func<string, string?>? Format = null,
    string[]? Enum = null,
    long? Min = null,
    long? Max = null,
    int? MaxLength = null,
    string? Pattern = null,
    bool RootOnly = false,
    string? Requires = null,
    Func<string, string?>? Check = null,
    bool MultiLine = false,
    bool Stored = false);

/// <summary>Validates merged parameters. Error texts are Proxmox's.</summary>
public sealed class ParamSchema(params ParamSpec[] specs)
{
    private readonly Dictionary<string, ParamSpec> _specs = specs.ToDictionary(s => s.Name);

    /// <summary>Extra keys matched by pattern (e.g. net0..net31) with their own check.</summary>
    public Func<string, ParamSpec?>? Dynamic { get; init; }

    public ParamSpec? Find(string key) => _specs.TryGetValue(key, out var s) ? s : Dynamic?.Invoke(key);

    /// <summary>
    /// Proxmox's parameter verification. A root-only PARAMETER (<c>skiplock</c>, <c>force</c>, ...) is a 400 here;
    /// root-only CONFIG KEYS are a 403 of <see cref="ConfigAccess"/>.
    /// </summary>
    public Dictionary<string, string> Validate(PveParams p, bool isRoot)
    {
        var errors = new Dictionary<string, string>(p.Errors, StringComparer.Ordinal);
        foreach (var (key, value) in p.Values)
        {
            if (errors.ContainsKey(key)) continue;
            var spec = Find(key);
            if (spec is null)
            {
                errors[key] = "property is not defined in schema and the schema does not allow additional properties";
                continue;
            }
            if (CheckValue(spec, value, p.JsonBooleans.Contains(key)) is { } e) errors[key] = e;
            else if (spec.RootOnly && !isRoot)
                errors[key] = "Only root may use this option.";
        }
        foreach (var spec in _specs.Values)
        {
            if (!spec.Optional && !p.Values.ContainsKey(spec.Name) && !errors.ContainsKey(spec.Name))
                errors[spec.Name] = "property is missing and it is not optional";
            if (spec.Requires is { } req && p.Values.ContainsKey(spec.Name) && !p.Values.ContainsKey(req))
                errors[req] = $"missing property required by '{spec.Name}'";
        }
        return errors;
    }

    public static string? CheckValue(ParamSpec spec, string value, bool jsonBoolean = false)
    {
        // Whatever the type: a value ends up in config lines, task logs and command lines.
        if (BadCharacters(value, spec.MultiLine) is { } bc) return bc;
        switch (spec.Type)
        {
            case PType.Boolean:
                if (value is not ("0" or "1") && !jsonBoolean) return $"type check ('boolean') failed - got '{value}'";
                return null;
            case PType.Integer:
                if (!TryInteger(value, out var n)) return $"type check ('integer') failed - got '{value}'";
                if (spec.Min is { } min && n < min) return $"value must have a minimum value of {min}";
                if (spec.Max is { } max && n > max) return $"value must have a maximum value of {max}";
                break;
            case PType.Number:
                if (!TryNumber(value, out var d)) return $"type check ('number') failed - got '{value}'";
                if (spec.Min is { } mn && d < mn) return $"value must have a minimum value of {mn}";
                if (spec.Max is { } mx && d > mx) return $"value must have a maximum value of {mx}";
                break;
        }
        if (spec.MaxLength is { } ml && value.Length > ml) return $"value may only be {ml} characters long";
        if (spec.Enum is { } en && !en.Contains(value))
            return $"value '{value}' does not have a value in the enumeration '{string.Join(", ", en)}'";
        // ECMAScript: \d is [0-9] there; \z: '$' would also match before a final newline.
        if (spec.Pattern is { } pat && !Regex.IsMatch(value, $"^(?:{pat})\\z", RegexOptions.ECMAScript))
            return "value does not match the regex pattern";
        try
        {
            if (spec.Format?.Invoke(value) is { } fe) return $"invalid format - {fe}\n";
            // A semantic check whose message is used as is (e.g. drive specs: "storage 'x' does not exist").
            if (spec.Check?.Invoke(value) is { } ce) return ce;
            // A config line drops whitespace around its value: stored like that, it would not read back as sent.
            return spec.Stored && !spec.MultiLine && value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
                ? "value must not begin or end with whitespace"
                : null;
        }
        // Our parsers' messages are Proxmox's texts; one that .NET itself throws (number parsing) is not for clients.
        catch (FormatException e) when (e.TargetSite?.Module.Assembly != typeof(int).Assembly)
        {
            return $"invalid format - {e.Message}\n";
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return $"invalid format - unable to parse value '{value}'\n";
        }
    }

    // is_integer and is_number of pve-common, with ASCII digits only and nothing around them.
    private static readonly Regex IntegerRe = new(@"^[+-]?[0-9]+\z", RegexOptions.Compiled);
    private static readonly Regex NumberRe = new(@"^[+-]?([0-9]+\.[0-9]+|[0-9]+\.|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?\z", RegexOptions.Compiled);

    /// <summary>An integer as pve-common's is_integer reads it (ASCII digits, optional sign, no spaces), within a long.</summary>
    public static bool TryInteger(string value, out long n)
    {
        n = 0;
        return IntegerRe.IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n);
    }

    /// <summary>A number as is_number reads it, invariant culture, finite (no NaN, no infinity).</summary>
    public static bool TryNumber(string value, out double d)
    {
        d = 0;
        return NumberRe.IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d);
    }

    /// <summary>
    /// Values end up in config lines, task logs and command lines: a newline would inject a config key.
    /// Control characters are C0 (but tab), DEL and C1. U+FFFD is what invalid UTF-8 in a form or query value decodes to.
    /// </summary>
    private static string? BadCharacters(string value, bool multiLine)
    {
        foreach (var c in value)
        {
            if (multiLine && c is '\n' or '\r') continue;
            if (char.IsControl(c) && c != '\t') return "value must not contain control characters";
            if (c == '\uFFFD') return "value is not valid UTF-8";
        }
        return null;
    }
}
