using Akka.Actor;

namespace ActorMigration.Api.Http;

/// <summary>Reads and validates parameters, runs the handler, and turns every failure into a deliberate Proxmox error.</summary>
public static class Handler
{
    public static async Task<IResult> Run(HttpContext ctx, ParamSchema schema, Func<PveParams, Task<IResult>> body)
    {
        try
        {
            // Reading and validating are inside the try too: nothing a client sends may escape as an unhandled 500.
            var p = await PveParams.ReadAsync(ctx);
            var errors = schema.Validate(p, TokenAuth.AuthUserOf(ctx));
            if (errors.Count > 0) return PveResult.ParamErrors(errors);
            return await body(p);
        }
        catch (AskTimeoutException)
        {
            return PveResult.Error("got timeout");
        }
        catch (Exception e)
        {
            var log = ctx.RequestServices.GetRequiredService<ILogger<ApiServices>>();
            log.LogWarning(e, "Request {Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
            return PveResult.Error(e.GetBaseException().Message);
        }
    }

    public static bool Bool(this PveParams p, string key, bool def = false) => p[key] is { } v ? v == "1" : def;

    public static int Int(this PveParams p, string key) => int.Parse(p[key]!);

    public static long? Long(this PveParams p, string key) => p[key] is { } v ? long.Parse(v) : null;
}
