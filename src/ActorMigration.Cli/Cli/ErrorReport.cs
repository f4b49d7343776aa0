using System.Security.Authentication;
using ActorMigration.Cli.Api;

namespace ActorMigration.Cli;

/// <summary>Turns API and transport failures into messages for the user.</summary>
public static class ErrorReport
{
    public static void Print(Output output, PveApiException e, ApiSettings settings)
    {
        switch (e.Status)
        {
            case 401:
                output.Error($"authentication failed ({e.Text}): the server rejected the API token from {settings.TokenSource}");
                output.ErrorDetail("expected AM_TOKEN / --token / <data-dir>/admin.token as user@realm!tokenid=secret");
                break;
            case 400 when e.Errors.Count > 0:
                output.Error(e.BodyMessage ?? e.Reason ?? "Parameter verification failed.");
                foreach (var (param, message) in e.Errors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    output.ErrorDetail($"{param}: {message.Replace("\n", "; ")}");
                break;
            default:
                output.Error($"{e.Text} (HTTP {e.Status})");
                break;
        }
    }

    public static void Print(Output output, HttpRequestException e, ApiSettings settings, string? tlsRefusal = null)
    {
        if (e.InnerException is AuthenticationException && tlsRefusal is not null)
            output.Error(tlsRefusal);
        else if (e.InnerException is AuthenticationException && File.Exists(settings.CertificateFile))
            output.Error($"the server's TLS certificate does not match {settings.CertificateFile}");
        else
            output.Error($"cannot reach {settings.ApiRoot}: {e.Message}");
    }
}
