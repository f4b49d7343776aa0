namespace ActorMigration.Bench.Fuzz;

/// <summary>What is hostile about a value; a request carries the union of its values' tags.</summary>
[Flags]
internal enum Tag : long
{
    None = 0,
    Ctl = 1 << 0,          // \0, \x01, \x1b, \x7f
    CtlLine = 1 << 1,      // \n, \r
    Ws = 1 << 2,           // leading or trailing whitespace
    UDigit = 1 << 3,       // Arabic-Indic or fullwidth digits
    NaN = 1 << 4,          // NaN, Infinity
    Huge = 1 << 5,         // 99999999999, 1e308, 2^63, ...
    Long = 1 << 6,         // longer than any limit
    Empty = 1 << 7,
    WrongType = 1 << 8,    // JSON array or object where a scalar belongs
    JsonScalar = 1 << 9,   // JSON number, bool or null instead of a string
    BadUtf8 = 1 << 10,     // invalid UTF-8 (form) or a lone surrogate (JSON)
    Unicode = 1 << 11,     // other non-ASCII text
    Dup = 1 << 12,         // the key twice
    Unknown = 1 << 13,     // a key no route knows
    Symlink = 1 << 14,     // a file that is a symlink out of its storage
    Fifo = 1 << 15,        // a FIFO
    Escape = 1 << 16,      // a path that leaves its storage (.., absolute)
    Deep = 1 << 17,        // deeply nested XML
    Units = 1 << 18,       // AllocationUnits with a huge exponent
    Sparse = 1 << 19,      // a tar whose first entry is a large sparse file
    Missing = 1 << 20,     // a file, volume or snapshot that does not exist
    Offline = 1 << 21,     // the cluster node that no member hosts
    WrongNode = 1 << 22,   // a task or VM of another node
    Legacy = 1 << 23,      // Proxmox's legacy formats (boot: cdn, bootdisk)
    BadArchive = 1 << 24,  // a crafted backup archive (odd values, oversized config, huge vmid in the name)
    Range = 1 << 25,       // outside the parameter's range
    Format = 1 << 26,      // malformed for its format
    NoAuth = 1 << 27,
    Method = 1 << 28,      // a method the route does not map
    Encoding = 1 << 29,    // a body that is not form or JSON, or broken JSON
    Path = 1 << 30,        // a hostile path segment
}

/// <summary>
/// A parameter value: its text, and for JSON bodies an optional raw JSON fragment (wrong types, numbers, lone
/// surrogates). <see cref="RawForm"/> is sent as is in form and query bodies (invalid percent-escapes).
/// <see cref="MustRefuse"/> says why an API that accepts this value is wrong (null: accepting it may be right).
/// </summary>
internal sealed record Val(string Text, Tag Tags = Tag.None, string? Json = null, string? RawForm = null, string? MustRefuse = null)
{
    public static Val Ok(string text) => new(text);

    public string JsonFragment => Json ?? System.Text.Json.JsonSerializer.Serialize(Text);

    public string FormText => RawForm ?? Uri.EscapeDataString(Text);

    public Val With(Tag tags, string? mustRefuse) => this with { Tags = Tags | tags, MustRefuse = MustRefuse ?? mustRefuse };
}

/// <summary>What a parameter holds; decides which valid values and which hostile ones are drawn.</summary>
internal enum Kind
{
    Node, VmId, NewId, Int, Bool, Number, Enum, Text, MultiText, Dns, Storage, Memory, Drive, CdRom, Net, Boot,
    SnapName, NewSnapName, Upid, ImportManifest, Archive, Delete, Digest, TargetStorage, Tags, Smbios, VmGenId,
    Machine, DiskKey, Any,
}

/// <summary>One parameter of a route, as far as the fuzzer needs to know it.</summary>
internal sealed record P(string Name, Kind Kind, bool Required = false, long Min = long.MinValue, long Max = long.MaxValue,
    string[]? Values = null, int MaxLen = 0, bool Root = false)
{
    /// <summary>Kinds whose values are strict tokens: surrounding whitespace must be refused.</summary>
    public bool Strict => Kind is Kind.Node or Kind.VmId or Kind.NewId or Kind.Int or Kind.Bool or Kind.Number or Kind.Enum
        or Kind.Storage or Kind.Memory or Kind.SnapName or Kind.NewSnapName or Kind.Upid or Kind.Digest or Kind.VmGenId;

    public bool Numeric => Kind is Kind.VmId or Kind.NewId or Kind.Int or Kind.Number or Kind.Memory;
}

/// <summary>The parts of a request before encoding.</summary>
internal sealed class Draft(RouteInfo route)
{
    public RouteInfo Route { get; } = route;
    public string Method { get; set; } = route.Method == "*" ? "GET" : route.Method;
    public string? RawPath { get; set; }
    public Dictionary<string, Val> PathValues { get; } = new();
    public List<(string Key, Val Value)> Params { get; } = new();
    public string Encoding { get; set; } = "query";
    public string Auth { get; set; } = "token";
    public Tag RequestTags { get; set; }
    public List<string> RequestReasons { get; } = new();
    public string Phase { get; set; } = "random";

    /// <summary>Files to place in the member's data dir before the input, and to remove after it (hostile-file pass).</summary>
    public Action<string>? Setup { get; set; }
    public Action<string>? Teardown { get; set; }

    /// <summary>Only POST and PUT bodies are read: values in other bodies change nothing and cannot be refused.</summary>
    public bool ParamsIgnored => Encoding is not "query" && Method is not ("POST" or "PUT");

    /// <summary>A non-empty POST or PUT body that is neither form nor JSON (an empty body of any type carries nothing).</summary>
    public bool BadBody => (Encoding == "broken-json" || Encoding == "text" && Params.Count > 0) && Method is "POST" or "PUT";

    private IEnumerable<(string Key, Val Value)> Effective =>
        PathValues.Select(kv => (kv.Key, kv.Value)).Concat(ParamsIgnored ? [] : Params);

    public Tag Tags => Effective.Aggregate(RequestTags | (BadBody ? Tag.Encoding : 0), (t, kv) => t | kv.Value.Tags);

    /// <summary>Why accepting this request would be wrong; empty when accepting it may be right.</summary>
    public List<string> MustRefuse =>
    [
        .. RequestReasons,
        .. BadBody ? ["a body that is neither form nor JSON"] : Array.Empty<string>(),
        .. Effective.Where(kv => kv.Value.MustRefuse is not null).Select(kv => $"{kv.Key}: {kv.Value.MustRefuse}"),
    ];

    public void Refuse(Tag tag, string why)
    {
        RequestTags |= tag;
        RequestReasons.Add(why);
    }
}
