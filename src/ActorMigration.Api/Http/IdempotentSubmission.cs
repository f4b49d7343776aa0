using ActorMigration.Actors.Submissions;
using ActorMigration.Domain.Submissions;
using Akka.Actor;

namespace ActorMigration.Api.Http;

/// <summary>
/// The Idempotency-Key header (our extension) of a task-starting request. Before the handler runs, a live claim of the
/// caller's key answers at once: the same request gets its task's answer again (the task is started if a crash came
/// between claim and start), another request a 400. Otherwise the key waits in the request for
/// <see cref="ApiServices.StartTask(ActorMigration.Domain.Tasks.Upid, object)"/>, which claims it before starting.
/// </summary>
public static class IdempotentSubmission
{
    public sealed record RequestKey(string Key, string User, string Fingerprint, string EntityId);

    public static IResult MismatchResult => PveResult.ParamError(IdempotencyKeys.Header, IdempotencyKeys.Mismatch);

    /// <summary>The answer of a repeat, a 400 for a bad or reused key, or null to run the handler.</summary>
    public static async Task<IResult?> Replay(HttpContext ctx, PveParams p)
    {
        if (HttpMethods.IsGet(ctx.Request.Method) || !ctx.Request.Headers.TryGetValue(IdempotencyKeys.Header, out var values)) return null;
        var key = values.ToString();
        var bad = values.Count != 1 ? "value must be given once" : IdempotencyKeys.Check(key);
        if (bad is not null) return PveResult.ParamError(IdempotencyKeys.Header, bad);
        var user = TokenAuth.AuthUserOf(ctx);
        var fingerprint = IdempotencyKeys.Fingerprint(ctx.Request.Method, ctx.Request.Path.Value ?? "", p.Values);
        var k = new RequestKey(key, user, fingerprint, IdempotencyKeys.EntityId(user, key));
        var s = ctx.RequestServices.GetRequiredService<ApiServices>();
        var claim = await s.Submissions.Ask<SubmissionReply>(new GetSubmission(k.EntityId, DateTimeOffset.UtcNow), ApiServices.AskTimeout);
        if (claim.Start is null)
        {
            ctx.Items[typeof(RequestKey)] = k;
            return null;
        }
        return claim.Fingerprint == fingerprint ? await s.StartTask(claim.Start) : MismatchResult;
    }

    /// <summary>The request's key, once: a request starts one task.</summary>
    public static RequestKey? Take(HttpContext ctx)
    {
        if (ctx.Items[typeof(RequestKey)] is not RequestKey k) return null;
        ctx.Items.Remove(typeof(RequestKey));
        return k;
    }
}
