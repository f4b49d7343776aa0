namespace ActorMigration.Cli.Api;

/// <summary>Where to connect and with which token: options, then env, then the data dir.</summary>
public sealed record ApiSettings(string ApiRoot, string? Token, string TokenSource, string DataDir)
{
    /// <summary>A server certificate fingerprint to accept on first use (<c>--fingerprint</c> or <c>AM_FINGERPRINT</c>).</summary>
    public string? Fingerprint { get; init; }

    public const string DefaultApi = "https://127.0.0.1:8006";

    public static ApiSettings Resolve(string? apiOption, string? tokenOption, Func<string, string?> env, string? fingerprintOption = null)
    {
        var dataDir = NonEmpty(env("AM_DATA_DIR")) ?? "./data";
        var api = NonEmpty(apiOption) ?? NonEmpty(env("AM_API")) ?? DefaultApi;
        var tokenFile = Path.Combine(dataDir, "admin.token");

        var (token, source) = NonEmpty(tokenOption) is { } t ? (t, "--token")
            : NonEmpty(env("AM_TOKEN")) is { } e ? (e, "AM_TOKEN")
            : (ReadFile(tokenFile), tokenFile);
        return new ApiSettings(ToApiRoot(api), token, source, dataDir)
        {
            Fingerprint = NonEmpty(fingerprintOption) ?? NonEmpty(env("AM_FINGERPRINT")),
        };
    }

    /// <summary>"host:8006", "https://host:8006" or ".../api2/json" all end up as ".../api2/json".</summary>
    public static string ToApiRoot(string api)
    {
        var s = api.Trim().TrimEnd('/');
        if (!s.Contains("://", StringComparison.Ordinal)) s = "https://" + s;
        return s.EndsWith("/api2/json", StringComparison.Ordinal) ? s : s + "/api2/json";
    }

    public string CertificateFile => Path.Combine(DataDir, "pve-ssl.pem");

    /// <summary>Accepted server certificates (trust on first use).</summary>
    public string KnownServersFile => Path.Combine(DataDir, "known-servers");

    /// <summary>The server as the pin file names it: <c>host:port</c>.</summary>
    public string Server => new Uri(ApiRoot) is var u ? $"{u.Host}:{u.Port}" : ApiRoot;

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string? ReadFile(string path)
    {
        try { return File.Exists(path) ? NonEmpty(File.ReadAllText(path)) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
