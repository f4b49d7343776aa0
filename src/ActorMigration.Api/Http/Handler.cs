using ActorMigration.Actors.Nodes;
using Akka.Actor;

namespace ActorMigration.Api.Http;

/// <summary>
/// Reads and validates parameters, runs the handler, and turns every failure into a deliberate Proxmox error.
/// No exception text reaches a client: input errors are 400 with <c>errors</c>, a node's refusal is a 500 with
/// its message, anything unexpected is a 500 with a generic message and a correlation id that the server log carries too.
/// </summary>
public static class Handler
{
    public const string InternalError = "internal error";

    /// <summary>
    /// Checks <paramref name="need"/> (403 <c>Permission check failed (...)</c>), then the parameters, then runs the handler.
    /// </summary>
    public static async Task<IResult> Run(HttpContext ctx, Need need, ParamSchema schema, Func<PveParams, Task<IResult>> body)
    {
        try
        {
            // Reading and validating are inside the try too: nothing a client sends may escape as an unhandled 500.
            var p = await PveParams.ReadAsync(ctx);
            // Unauthenticated routes (/access/ticket) have no caller and declare no privilege.
            var caller = ctx.TryCaller();
            if (need.Checks.Count > 0 && caller?.IsRootUser != true
                && need.Denied(caller ?? ctx.Caller(), ctx.Permissions(), k => p[k]) is { } denied)
                return Access.Forbidden(denied);
            var errors = schema.Validate(p, caller?.IsRootUser == true);
            if (errors.Count > 0) return PveResult.ParamErrors(errors);
            if (await IdempotentSubmission.Replay(ctx, p) is { } replay) return replay;
            return await body(p);
        }
        catch (ParamException e)
        {
            return PveResult.ParamError(e.Param, e.Message);
        }
        catch (NodeOperationException e)
        {
            // A node's deliberate refusal: its message is the answer, as Proxmox's die texts are.
            return PveResult.Error(e.Message);
        }
        catch (NodeOfflineException e)
        {
            // The node's member is gone: Proxmox's answer for an offline node, nothing to correlate.
            return PveResult.Error(e.Message);
        }
        catch (AskTimeoutException e)
        {
            // A read changed nothing; a write may still be applied, and the client must know that.
            var id = Fault(ctx, e, "timed out");
            return HttpMethods.IsGet(ctx.Request.Method)
                ? PveResult.Error($"got timeout (correlation id {id})")
                : PveResult.Error($"got timeout - the request may still take effect; check before retrying (correlation id {id})");
        }
        catch (Exception e)
        {
            var id = Fault(ctx, e, "failed");
            return PveResult.Error($"{InternalError} (correlation id {id})");
        }
    }

    /// <summary>Logs the fault with a new correlation id and returns the id.</summary>
    private static string Fault(HttpContext ctx, Exception e, string what)
    {
        var id = NewCorrelationId();
        var log = ctx.RequestServices.GetRequiredService<ILogger<ApiServices>>();
        log.LogError(e, "Request {Method} {Path} {Outcome}; correlation id {CorrelationId}",
            ctx.Request.Method, ctx.Request.Path.Value, what, id);
        return id;
    }

    public static string NewCorrelationId() => Guid.NewGuid().ToString("N")[..16];

    public static bool Bool(this PveParams p, string key, bool def = false) => p[key] is { } v ? v == "1" : def;

    /// <summary>An integer the schema has checked; anything else is a 400 for <paramref name="key"/>, never a .NET text.</summary>
    public static int Int(this PveParams p, string key) =>
        p[key] is { } v && ParamSchema.TryInteger(v, out var n) && n is >= int.MinValue and <= int.MaxValue
            ? (int)n
            : throw new ParamException(key, $"type check ('integer') failed - got '{p[key]}'");

    public static int Int(this PveParams p, string key, int def) => p[key] is null ? def : p.Int(key);

    public static long? Long(this PveParams p, string key) =>
        p[key] is not { } v ? null
        : ParamSchema.TryInteger(v, out var n) ? n
        : throw new ParamException(key, $"type check ('integer') failed - got '{v}'");
}

/// <summary>Bad input found inside a handler: answered as 400 with <c>errors[Param]</c>.</summary>
public sealed class ParamException(string param, string message) : Exception(message)
{
    public string Param { get; } = param;
}
