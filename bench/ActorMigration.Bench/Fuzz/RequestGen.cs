namespace ActorMigration.Bench.Fuzz;

/// <summary>
/// Draws requests from a seeded generator: a route, a VM and node that exist (mostly), valid values for the route's
/// parameters, then hostile values or mutations in one or two places, and sometimes a hostile request as a whole
/// (no token, another method, a body that is neither form nor JSON, an unknown or duplicate key).
/// </summary>
internal sealed class RequestGen(Random rng, World world, IReadOnlyList<RouteInfo> routes)
{
    private static readonly string[] JunkPaths =
    [
        "/nodes/node1/lxc", "/access/ticket", "/nodes/node1/qemu/101/config/extra", "/pools", "/nodes/node1/qemu/101/agent/exec",
        "/", "/nodes/node1/qemu/101/vncproxy", "/nodes/node1/qemu/101/status/sendkey", "/nodes/node1/qemu/101/resize",
        "/nodes/node1/qemu/101/move_disk", "/nodes/node1/storage/local/content", "/%2e%2e/%2e%2e/etc/passwd", "/nodes/node1/qemu/101/../../../version",
    ];

    private static readonly string[] OtherMethods = ["PATCH", "HEAD", "OPTIONS", "GET", "POST", "PUT", "DELETE"];

    private readonly List<RouteInfo> _mapped = routes.Where(r => r.Method != "*").ToList();
    private readonly RouteInfo? _fallback = routes.FirstOrDefault(r => r.Method == "*");

    public Draft Next()
    {
        if (_fallback is not null && rng.NextDouble() < 0.02) return Junk(_fallback);
        var route = _mapped[rng.Next(_mapped.Count)];
        var d = new Draft(route);
        var c = new GenContext(rng, world, d);
        ChooseEncoding(d, c);
        c.Vm = PickVm(route, c);
        c.Node = c.Vm?.Node ?? c.Pick(FuzzMember.Hosted);

        foreach (var name in route.PathParams) d.PathValues[name] = ValidValues.For(ParamCatalog.PathParam(name), c);
        var defs = ParamCatalog.Routes.TryGetValue(route.Key, out var known) ? known : ParamCatalog.Generic;
        foreach (var p in Choose(route, defs, c)) d.Params.Add((p.Name, ValidValues.For(p, c)));

        if (c.Chance(0.6)) Inject(d, c, defs);
        if (c.Chance(0.25)) Inject(d, c, defs);
        RequestLevel(d, c, defs);
        return d;
    }

    private Draft Junk(RouteInfo fallback)
    {
        var d = new Draft(fallback) { RawPath = JunkPaths[rng.Next(JunkPaths.Length)], Method = OtherMethods[rng.Next(OtherMethods.Length)] };
        d.RequestTags |= Tag.Path;
        return d;
    }

    private static void ChooseEncoding(Draft d, GenContext c)
    {
        if (d.Method is "POST" or "PUT")
        {
            var x = c.Rng.NextDouble();
            d.Encoding = x < 0.55 ? "form" : x < 0.85 ? "json" : x < 0.93 ? "query" : x < 0.96 ? "multipart" : x < 0.98 ? "text" : "broken-json";
        }
        else d.Encoding = c.Chance(0.04) ? "form" : "query";
    }

    private VmView? PickVm(RouteInfo route, GenContext c)
    {
        var p = route.Pattern;
        Func<VmView, bool>? prefer = null;
        if (p.Contains("{snapname}") && c.Chance(0.85)) prefer = v => v.Snapshots.Count > 0;
        else if (p.EndsWith("/clone") && c.Chance(0.4)) prefer = v => v.Template;
        else if (p.EndsWith("/template") || p.Contains("/status/")) prefer = v => !v.Template;
        else if (c.Chance(0.15)) prefer = v => !v.Parsable;
        return (prefer is null ? null : world.PickVm(rng, prefer)) ?? world.PickVm(rng);
    }

    /// <summary>Required parameters, and a few optional ones; creates look like what clients send.</summary>
    private static List<P> Choose(RouteInfo route, P[] defs, GenContext c)
    {
        var chosen = defs.Where(p => p.Required).ToList();
        // Root-only options are refused for API tokens (as Proxmox does): drawn apart, as hostile input.
        var optional = defs.Where(p => !p.Required && !p.Root).ToList();
        if (optional.Count == 0) return chosen;
        if (route.Key == "POST /nodes/{node}/qemu")
        {
            var x = c.Rng.NextDouble();
            if (x < 0.12) return [.. chosen, .. optional.Where(p => p.Name == "archive" || (p.Name is "storage" or "unique" or "force" && c.Chance(0.3)))];
            if (x < 0.22) return [.. chosen, .. optional.Where(p => p.Name == "import-source" || (p.Name is "storage" or "memory" && c.Chance(0.3)))];
            var typical = new[] { "memory", "scsi0", "net0", "name", "ide2", "cores", "ostype", "boot" };
            chosen.AddRange(optional.Where(p => typical.Contains(p.Name) && c.Chance(0.45)));
            chosen.AddRange(optional.Where(p => !typical.Contains(p.Name) && p.Name is not ("archive" or "import-source") && c.Chance(0.04)));
            return chosen;
        }
        var n = route.Pattern.EndsWith("/config") && route.Method != "GET" ? c.Rng.Next(1, 4) : c.Rng.Next(0, Math.Min(4, optional.Count + 1));
        chosen.AddRange(optional.OrderBy(_ => c.Rng.Next()).Take(n));
        return chosen.DistinctBy(p => p.Name).ToList();
    }

    /// <summary>Replaces one value (path or parameter) by a hostile one, or adds a parameter that carries one.</summary>
    private static void Inject(Draft d, GenContext c, P[] defs)
    {
        var json = d.Encoding == "json";
        if (d.PathValues.Count > 0 && c.Chance(0.3))
        {
            var name = c.Pick(d.PathValues.Keys.ToList());
            var p = ParamCatalog.PathParam(name);
            var v = c.Chance(0.6) ? HostileValues.For(p, c, d.PathValues[name], false) : Mutations.Apply(p, c, d.PathValues[name], false);
            d.PathValues[name] = v.With(Tag.Path, null);
            return;
        }
        if (d.Params.Count == 0 || c.Chance(0.3))
        {
            var candidates = defs.Where(p => d.Params.All(x => x.Key != p.Name)).ToList();
            if (candidates.Count == 0) return;
            var np = c.Pick(candidates);
            d.Params.Add((np.Name, ValidValues.For(np, c)));
        }
        var i = c.Rng.Next(d.Params.Count);
        var (key, valid) = d.Params[i];
        var def = defs.FirstOrDefault(p => p.Name == key) ?? new P(key, Kind.Any);
        d.Params[i] = (key, c.Chance(0.55) ? HostileValues.For(def, c, valid, json) : Mutations.Apply(def, c, valid, json));
    }

    private static void RequestLevel(Draft d, GenContext c, P[] defs)
    {
        if (c.Chance(0.04))
        {
            d.Params.Add((c.Pick(["nosuchparam", "Memory", "scsi31", "net32", "_dc2", "vmid\n", "ünknown"]),
                new Val("1", Tag.Unknown, MustRefuse: "a parameter the route does not take")));
        }
        if (c.Chance(0.03) && defs.Where(p => p.Root).ToList() is { Count: > 0 } root)
        {
            var p = c.Pick(root);
            d.Params.Add((p.Name, ValidValues.For(p, c).With(Tag.Unknown, "a root-only option with an API token")));
        }
        if (c.Chance(0.04) && d.Params.Count > 0)
        {
            var dup = c.Pick(d.Params);
            d.Params.Add(dup);
            d.RequestTags |= Tag.Dup;
        }
        if (c.Chance(0.03) && d.Params.FirstOrDefault(x => defs.Any(p => p.Required && p.Name == x.Key)).Key is { } required)
        {
            d.Params.RemoveAll(x => x.Key == required);
            d.Refuse(Tag.Missing, "a required parameter is missing");
        }
        if (c.Chance(0.03))
        {
            d.Auth = c.Chance(0.5) ? "none" : "bad";
            d.Refuse(Tag.NoAuth, d.Auth == "none" ? "no token" : "a wrong token");
        }
        if (c.Chance(0.02))
        {
            d.Method = c.Pick(OtherMethods.Where(m => m != d.Route.Method).ToList());
            d.RequestTags |= Tag.Method;
        }
        // A multipart part's name is a header value: HttpClient cannot send one with a control character.
        if (d.Encoding == "multipart" && d.Params.Any(p => p.Key.Any(char.IsControl))) d.Encoding = "form";
        if (d.Method is "POST" or "PUT" or "DELETE" && d.Route.Mutating && NamesOffline(d))
            d.Refuse(Tag.Offline, "a change on or to the offline node");
    }

    private static bool NamesOffline(Draft d) =>
        (d.PathValues.TryGetValue("node", out var n) && n.Text == FuzzMember.Offline)
        || d.Params.Any(p => p.Key is "target" && p.Value.Text == FuzzMember.Offline);
}
