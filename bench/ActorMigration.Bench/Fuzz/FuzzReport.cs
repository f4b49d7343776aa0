using System.Globalization;

namespace ActorMigration.Bench.Fuzz;

/// <summary>One kind of failure (or notable answer), grouped by route and normalized message, with its first example.</summary>
internal sealed class Finding(string kind, string route, string key, bool failing, int index, string request, string answer, string? detail)
{
    public string Kind { get; } = kind;
    public string Route { get; } = route;
    public string Key { get; } = key;
    public bool Failing { get; } = failing;
    public int Count { get; set; } = 1;
    public int Index { get; } = index;
    public string Request { get; } = request;
    public string Answer { get; } = answer;
    public string? Detail { get; } = detail;
}

internal sealed class RouteStats
{
    public int Tries, Ok, E400, R500, Failed, Other;
    public double MaxSeconds;
}

/// <summary>Figures of one fuzzing run and its findings, printed as markdown.</summary>
internal sealed class FuzzReport(FuzzOptions o)
{
    public static readonly string[] FailingKinds =
    [
        "unexplained 500", "exception text in a 400", "hang", "no readable answer", "state change on a refusal", "state change after a hang",
        "listing broken", "accepted hostile input", "VM record unresponsive", "node starved", "decoy modified", "task never ended",
            "exception text in a task status", "fuzzer could not check an input",
    ];

    private readonly Dictionary<(string, string, string), Finding> _findings = new();

    public Dictionary<AnswerClass, int> ByClass { get; } = new();
    public SortedDictionary<string, RouteStats> ByRoute { get; } = new(StringComparer.Ordinal);
    public int Inputs { get; set; }
    public int RandomInputs { get; set; }
    public int FileInputs { get; set; }
    public int Refusals { get; set; }
    public int RefusalsChecked { get; set; }
    public int Accepted { get; set; }
    public int Skipped { get; set; }
    public int ListingChecks { get; set; }
    public List<string> Resets { get; } = new();
    public TimeSpan Duration { get; set; }
    public int RoutesMapped { get; set; }
    public List<string> Uncatalogued { get; } = new();

    public bool Failed => _findings.Values.Any(f => f.Failing);

    public void Count(string route, AnswerClass c, double seconds)
    {
        Inputs++;
        ByClass[c] = ByClass.GetValueOrDefault(c) + 1;
        if (!ByRoute.TryGetValue(route, out var s)) ByRoute[route] = s = new RouteStats();
        s.Tries++;
        s.MaxSeconds = Math.Max(s.MaxSeconds, seconds);
        switch (c)
        {
            case AnswerClass.Ok: s.Ok++; break;
            case AnswerClass.BadRequestWithErrors: s.E400++; break;
            case AnswerClass.Refusal500: s.R500++; break;
            case AnswerClass.Unexplained500 or AnswerClass.Hang or AnswerClass.ConnectionClosed: s.Failed++; break;
            default: s.Other++; break;
        }
    }

    public void Add(string kind, string route, string key, int index, string request, string answer, string? detail = null)
    {
        var k = (kind, route, key);
        if (_findings.TryGetValue(k, out var f)) f.Count++;
        else _findings[k] = new Finding(kind, route, key, FailingKinds.Contains(kind), index, request, answer, detail);
    }

    public int Total(string kind) => _findings.Values.Where(f => f.Kind == kind).Sum(f => f.Count);

    public void Print(TextWriter w)
    {
        var inv = CultureInfo.InvariantCulture;
        w.WriteLine("## Fuzzing pass");
        w.WriteLine();
        w.WriteLine($"Command: `dotnet run -c Release --project bench/ActorMigration.Bench -- fuzz {o.Requests} {o.Seed} {o.HangSeconds}`");
        w.WriteLine();
        w.WriteLine("| figure | value |");
        w.WriteLine("|---|---|");
        w.WriteLine($"| seed | {o.Seed} |");
        w.WriteLine($"| inputs tried | {Inputs} ({RandomInputs} random over the {RoutesMapped} mapped routes and unmapped paths, {FileInputs} in the " +
            $"hostile-file and reproduction pass) |");
        w.WriteLine($"| routes mapped (from ASP.NET's endpoint data sources) " +
            $"| {RoutesMapped}{(Uncatalogued.Count > 0 ? $"; without a parameter table: {string.Join(", ", Uncatalogued)}" : "")} |");
        w.WriteLine($"| accepted (2xx) | {Accepted} |");
        w.WriteLine($"| refused, state compared before and after | {RefusalsChecked} of {Refusals} |");
        w.WriteLine($"| unexplained 500s | {Total("unexplained 500")} |");
        w.WriteLine($"| state changes on refusals | {Total("state change on a refusal")} |");
        w.WriteLine($"| hangs (no answer in {o.HangSeconds} s) | {Total("hang")} |");
        w.WriteLine($"| accepted hostile inputs | {Total("accepted hostile input")} |");
        w.WriteLine($"| broken listings after a request | {Total("listing broken")} (listing checks: {ListingChecks}) |");
        w.WriteLine($"| fresh members (after a broken listing, a blocked node or a VM on the offline node) | {Resets.Count} |");
        w.WriteLine($"| draws skipped (route and hostility already slow or hanging twice) | {Skipped} |");
        w.WriteLine(string.Format(inv, "| duration | {0:F0} s |", Duration.TotalSeconds));
        w.WriteLine();
        w.WriteLine("| answer class | count |");
        w.WriteLine("|---|---|");
        foreach (var (c, n) in ByClass.OrderBy(kv => kv.Key)) w.WriteLine($"| {c} | {n} |");
        w.WriteLine();
        w.WriteLine("| route | tries | 2xx | 400 errors | 500 refusals | failed | other | slowest |");
        w.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (r, s) in ByRoute)
            w.WriteLine(string.Format(inv, "| `{0}` | {1} | {2} | {3} | {4} | {5} | {6} | {7:F2} s |", r, s.Tries, s.Ok, s.E400, s.R500, s.Failed,
                s.Other, s.MaxSeconds));
        if (Resets.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("Fresh members: " + string.Join("; ", Resets.GroupBy(x => x).Select(g => $"{g.Key} ×{g.Count()}")));
        }
        foreach (var group in _findings.Values.GroupBy(f => f.Kind).OrderBy(g => g.First().Failing ? 0 : 1).ThenBy(g => g.Key))
        {
            w.WriteLine();
            w.WriteLine($"### {(group.First().Failing ? "Failure" : "Note")}: {group.Key} ({group.Sum(f => f.Count)})");
            w.WriteLine();
            w.WriteLine("| route | what | times | first input (#) | answer | detail |");
            w.WriteLine("|---|---|---|---|---|---|");
            foreach (var f in group.OrderByDescending(f => f.Count).ThenBy(f => f.Route))
                w.WriteLine($"| `{f.Route}` | {Cell(f.Key)} | {f.Count} | {Cell(f.Request)} (#{f.Index}) | {Cell(f.Answer)} | {Cell(f.Detail ?? "")} |");
        }
        w.WriteLine();
        w.WriteLine(Failed ? "Result: FAILED (see the failures above)." : "Result: no failures.");
    }

    private static string Cell(string s) =>
        (s.Length > 400 ? s[..400] + "…" : s).Replace("|", "\\|").Replace("\n", "\\n").Replace("\r", "\\r");
}
