using System.Globalization;
using System.Text.Json;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Builds <see cref="SimulationOptions"/> from string pairs (HOCON mapped by the host), a <c>key = value</c>
/// text file or a JSON file. Keys are case-insensitive; <c>-</c> and <c>_</c> are ignored, so
/// <c>speed-factor</c>, <c>speed_factor</c> and <c>SpeedFactor</c> are the same key. Unknown keys throw.
/// </summary>
public static class SimulationOptionsParser
{
    /// <summary>Reads a JSON file (content starts with <c>{</c>) or <c>key = value</c> lines (<c>#</c> comments).</summary>
    public static SimulationOptions Load(string path) => Parse(File.ReadAllText(path));

    public static SimulationOptions Parse(string text)
    {
        var trimmed = text.TrimStart();
        return FromDictionary(trimmed.StartsWith('{') ? FlattenJson(trimmed) : ParseLines(text));
    }

    public static SimulationOptions FromDictionary(IEnumerable<KeyValuePair<string, string>> values)
    {
        var o = new SimulationOptions();
        var faults = new SortedDictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (rawKey, rawValue) in values)
        {
            var value = rawValue.Trim();
            var dot = rawKey.IndexOf('.');
            var head = Norm(dot < 0 ? rawKey : rawKey[..dot]);
            var rest = dot < 0 ? null : rawKey[(dot + 1)..];
            if (rest is not null)
            {
                switch (head)
                {
                    case "link" or "links":
                        var nodes = rest.Split('.');
                        if (nodes.Length != 2) throw new FormatException($"'{rawKey}': expected link.<nodeA>.<nodeB>");
                        o.Links.Add(new LinkOverride(nodes[0], nodes[1], Size(rawKey, value)));
                        continue;
                    case "fault" or "faults":
                        var d2 = rest.LastIndexOf('.');
                        if (d2 < 0)
                        {
                            // JSON array of compact rules: faults.0 = "mirror@100"
                            o.Faults.Add(FaultRule.ParseCompact(value));
                            continue;
                        }
                        if (d2 == 0) throw new FormatException($"'{rawKey}': expected fault.<id>.<field>");
                        var id = rest[..d2];
                        if (!faults.TryGetValue(id, out var f)) faults[id] = f = new Dictionary<string, string>();
                        f[Norm(rest[(d2 + 1)..])] = value;
                        continue;
                    default:
                        throw new FormatException($"unknown simulation option '{rawKey}'");
                }
            }
            switch (head)
            {
                case "speedfactor": o.SpeedFactor = Dbl(rawKey, value); break;
                case "linkbandwidth" or "linkbandwidthbytespersec": o.LinkBandwidthBytesPerSec = Size(rawKey, value); break;
                case "diskbandwidth" or "diskbandwidthbytespersec": o.DiskBandwidthBytesPerSec = Size(rawKey, value); break;
                case "dirtyrate" or "dirtyratebytespersec": o.DirtyRateBytesPerSec = Size(rawKey, value); break;
                case "workingset" or "workingsetbytes": o.WorkingSetBytes = Size(rawKey, value); break;
                case "instantcopy": o.InstantCopy = Bool(rawKey, value); break;
                case "switchoveroverheadms": o.SwitchoverOverheadMs = Dbl(rawKey, value); break;
                case "guestshutdownseconds": o.GuestShutdownSeconds = Dbl(rawKey, value); break;
                case "conntrackentries" or "conntrackentriespervm": o.ConntrackEntriesPerVm = (int)Dbl(rawKey, value); break;
                case "checkdiskfiles": o.CheckDiskFiles = Bool(rawKey, value); break;
                case "bridges" or "bridge":
                    o.Bridges.AddRange(value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "factsdelayms": o.FactsDelayMs = (int)Dbl(rawKey, value); break;
                case "version": o.Version = value; break;
                case "cpuvendor": o.CpuVendor = value; break;
                case "qemuversion": o.QemuVersion = value; break;
                case "defaultmachine": o.DefaultMachine = value; break;
                case "accelerator": o.Accelerator = value; break;
                case "maxcpu": o.MaxCpu = (int)Dbl(rawKey, value); break;
                case "maxmem" or "maxmembytes": o.MaxMemBytes = Size(rawKey, value); break;
                case "holds" or "hold":
                    foreach (var (point, ms) in HoldPoint.ParseList(value)) o.Holds[point] = ms;
                    break;
                case "loadnoise": o.LoadNoise = Dbl(rawKey, value); break;
                case "loadnoisebucket" or "loadnoisebucketseconds": o.LoadNoiseBucketSeconds = Dbl(rawKey, value); break;
                case "faultstatefile": o.FaultStateFile = value.Length == 0 ? null : value; break;
                case "faults" or "fault":
                    // compact list: "stop-and-copy@100*1, mirror"
                    foreach (var part in value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        o.Faults.Add(FaultRule.ParseCompact(part));
                    break;
                default: throw new FormatException($"unknown simulation option '{rawKey}'");
            }
        }
        foreach (var (id, f) in faults)
        {
            if (!f.TryGetValue("phase", out var phase)) throw new FormatException($"fault '{id}': missing phase");
            var unknown = f.Keys.Except(["phase", "vmid", "times", "node", "iteration"]).FirstOrDefault();
            if (unknown is not null) throw new FormatException($"fault '{id}': unknown field '{unknown}'");
            o.Faults.Add(new FaultRule(
                FaultPhase.Normalize(phase),
                f.TryGetValue("vmid", out var v) && v.Length > 0 ? int.Parse(v, CultureInfo.InvariantCulture) : null,
                f.TryGetValue("times", out var t) && t.Length > 0 ? int.Parse(t, CultureInfo.InvariantCulture) : null,
                f.TryGetValue("node", out var n) && n.Length > 0 ? n : null,
                f.TryGetValue("iteration", out var it) ? int.Parse(it, CultureInfo.InvariantCulture) : 1));
        }
        o.Validate();
        return o;
    }

    private static string Norm(string key) => key.Trim().Replace("-", "").Replace("_", "").ToLowerInvariant();

    private static long Size(string key, string v) =>
        ByteSize.TryParse(v, out var b) ? b : throw new FormatException($"'{key}': invalid size '{v}'");

    private static double Dbl(string key, string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new FormatException($"'{key}': invalid number '{v}'");

    private static bool Bool(string key, string v) => v.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new FormatException($"'{key}': invalid boolean '{v}'")
    };

    private static List<KeyValuePair<string, string>> ParseLines(string text)
    {
        var list = new List<KeyValuePair<string, string>>();
        var lineNo = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var sep = line.IndexOfAny(['=', ':']);
            if (sep <= 0) throw new FormatException($"simulation options line {lineNo}: expected key = value");
            list.Add(new(line[..sep].Trim(), line[(sep + 1)..].Trim().Trim('"')));
        }
        return list;
    }

    /// <summary>Nested objects become dotted keys, arrays use the index as key part.</summary>
    private static List<KeyValuePair<string, string>> FlattenJson(string json)
    {
        var list = new List<KeyValuePair<string, string>>();
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        void Walk(JsonElement e, string prefix)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Walk(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}");
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray()) Walk(item, $"{prefix}.{i++}");
                    break;
                case JsonValueKind.String:
                    list.Add(new(prefix, e.GetString()!));
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    list.Add(new(prefix, e.GetRawText()));
                    break;
            }
        }

        Walk(doc.RootElement, "");
        return list;
    }
}
