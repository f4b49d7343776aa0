namespace ActorMigration.Cli.Api;

/// <summary>A non-2xx answer of the API: status, reason phrase, body message and per-parameter errors.</summary>
public sealed class PveApiException(int status, string? reason, string? bodyMessage, IReadOnlyDictionary<string, string> errors)
    : Exception(bodyMessage ?? reason ?? $"HTTP {status}")
{
    public int Status { get; } = status;
    public string? Reason { get; } = reason;
    public string? BodyMessage { get; } = bodyMessage;
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;

    /// <summary>Best human message: body message, else reason phrase, else the status code.</summary>
    public string Text => BodyMessage ?? (string.IsNullOrWhiteSpace(Reason) ? $"HTTP {Status}" : Reason!);
}
