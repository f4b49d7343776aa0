using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace ActorMigration.Api.Tests.Metrics;

/// <summary>One sample as Debian's python3-prometheus-client parsed it (value null: NaN or ±Inf).</summary>
public sealed record PromSample(string Family, string Type, string Name, Dictionary<string, string> Labels, double? Value)
{
    public string? this[string label] => Labels.GetValueOrDefault(label);
}

/// <summary>GET /metrics and the real Prometheus text-format parser (prometheus_client.parser) over its body.</summary>
public static class PromText
{
    private const string Parser = """
        import json, math, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for fam in text_string_to_metric_families(sys.stdin.read()):
            for s in fam.samples:
                v = s.value if math.isfinite(s.value) else None
                out.append({'Family': fam.name, 'Type': fam.type, 'Name': s.name, 'Labels': s.labels, 'Value': v})
        print(json.dumps(out))
        """;

    /// <summary>GET /metrics with the given Authorization header (none: whatever the client carries, e.g. a ticket cookie).</summary>
    public static async Task<(HttpStatusCode Status, string? Reason, string Body, string? ContentType)> Get(HttpClient http, string? auth)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (auth is not null) req.Headers.TryAddWithoutValidation("Authorization", auth);
        using var resp = await http.SendAsync(req);
        return (resp.StatusCode, resp.ReasonPhrase, await resp.Content.ReadAsStringAsync(), resp.Content.Headers.ContentType?.ToString());
    }

    /// <summary>The member's metrics with the admin token, parsed; fails on anything but 200.</summary>
    public static async Task<IReadOnlyList<PromSample>> Scrape(InProcessServer server)
    {
        var r = await Get(server.Client.Http, $"PVEAPIToken={server.Token}");
        Assert.True(r.Status == HttpStatusCode.OK, $"{(int)r.Status} {r.Reason}: {r.Body}");
        Assert.StartsWith("text/plain; version=0.0.4", r.ContentType);
        return await Parse(r.Body);
    }

    public static async Task<IReadOnlyList<PromSample>> Parse(string text)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Parser);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteAsync(text);
        p.StandardInput.Close();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(p.ExitCode == 0, $"prometheus_client could not parse /metrics: {await stderr}\n{text}");
        return JsonSerializer.Deserialize<List<PromSample>>(await stdout)!;
    }

    /// <summary>The one sample named <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public static PromSample One(this IReadOnlyList<PromSample> samples, string name, params (string Key, string Value)[] labels)
    {
        var found = samples.Where(s => s.Name == name && labels.All(l => s[l.Key] == l.Value)).ToList();
        Assert.True(found.Count == 1, $"{found.Count} samples {name} {{{string.Join(",", labels)}}}");
        return found[0];
    }

    public static double ValueOf(this IReadOnlyList<PromSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.One(name, labels).Value ?? double.NaN;
}
