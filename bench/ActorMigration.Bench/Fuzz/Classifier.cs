using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ActorMigration.Bench.Fuzz;

internal enum AnswerClass
{
    Ok, BadRequestWithErrors, BadRequestOther, Refusal500, Unexplained500, Unauthorized401, Forbidden403, NotFound404,
    MethodNotAllowed405, NotImplemented501, OtherStatus, Hang, ConnectionClosed,
}

/// <summary>
/// Sorts answers into classes. A 500 is a deliberate refusal (Proxmox's <c>die</c>) unless its message is an
/// exception text, a generic internal error, "got timeout", shows a host path, or the body is no Proxmox envelope.
/// </summary>
internal static partial class Classifier
{
    [GeneratedRegex(
        @"was not in a correct format|Value was either too large or too small|Object reference not set|Index was outside|" +
        @"Sequence contains|Exception|Arithmetic operation|Specified argument|\(Parameter '|Nullable object|An item with the same key|" +
        @"Collection was modified|Unable to cast|Input string|Could not find (file|a part of the path)|Access to the path|" +
        @"The process cannot access|Non-negative number required|Cannot access a disposed|The given key|was not present in the dictionary|" +
        @"Offset and length|must be non-negative|Destination array|Unexpected character encountered|'\S+' is an invalid|" +
        @"is not a valid JSON|Ask timed out|operation was canceled|task was canceled|Timeout exceeded|The JSON value could not be converted|" +
        @"System\.|Microsoft\.|Akka\.|at ActorMigration|Unexpected end of|Cannot deserialize|Unable to read beyond|Unable to parse number",
        RegexOptions.IgnoreCase)]
    private static partial Regex DotNetText();

    [GeneratedRegex(@"^got timeout$|internal error|internal server error|unexpected reply|an unexpected error|correlation", RegexOptions.IgnoreCase)]
    private static partial Regex Generic();

    /// <summary>The class, and for an unexplained 500 (or a 400 with exception text) why.</summary>
    public static (AnswerClass Class, string? Why) Classify(Answer a, IEnumerable<string> hostPaths)
    {
        if (a.Hung) return (AnswerClass.Hang, "no answer in time");
        if (a.Status == -1) return (AnswerClass.ConnectionClosed, a.Reason);
        if (a.Status == FuzzMember.TransportLimit) return (AnswerClass.OtherStatus, "connection closed at Kestrel's request-line limit");
        switch (a.Status)
        {
            case >= 200 and < 300:
                return (AnswerClass.Ok, null);
            case 400:
                if (a.Json is JsonObject o && o["errors"] is JsonObject errors && errors.Count > 0)
                    return (AnswerClass.BadRequestWithErrors, Leak(string.Join(" ", errors.Select(e => e.Value?.ToString())), hostPaths));
                return (AnswerClass.BadRequestOther, "400 without an errors map");
            case 401: return (AnswerClass.Unauthorized401, null);
            case 403: return (AnswerClass.Forbidden403, null);
            case 404: return (AnswerClass.NotFound404, null);
            case 405: return (AnswerClass.MethodNotAllowed405, null);
            case 501: return (AnswerClass.NotImplemented501, null);
            case 500:
                var msg = a.Message;
                if (msg is null) return (AnswerClass.Unexplained500, "no Proxmox message in the body");
                if (msg.Trim().Length == 0) return (AnswerClass.Unexplained500, "empty message");
                return Leak(msg, hostPaths) is { } why ? (AnswerClass.Unexplained500, why) : (AnswerClass.Refusal500, null);
            default:
                return (AnswerClass.OtherStatus, $"status {a.Status}");
        }
    }

    /// <summary>Why a text must not reach a client (exception text, generic error, host path), or null.</summary>
    public static string? Leak(string text, IEnumerable<string> hostPaths)
    {
        if (Generic().Match(text) is { Success: true } g) return $"generic error '{g.Value}'";
        if (DotNetText().Match(text) is { Success: true } m) return $".NET text '{m.Value}'";
        foreach (var p in hostPaths)
            if (text.Contains(p, StringComparison.Ordinal)) return "a host path";
        return null;
    }

    /// <summary>A message with numbers and UPIDs folded, for grouping.</summary>
    public static string Normalize(string? s)
    {
        if (s is null) return "";
        s = Regex.Replace(s, @"UPID:[^\s']+", "UPID");
        s = Regex.Replace(s, @"\d{3,}", "N");
        s = Regex.Replace(s, @"/tmp/[^\s']+", "/tmp/…");
        return Describe.Text(s, 160);
    }

    public static bool Failing(AnswerClass c) => c is AnswerClass.Unexplained500 or AnswerClass.Hang or AnswerClass.ConnectionClosed;
}
