using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>Assertions on Proxmox error envelopes.</summary>
public static class Expect
{
    public const string ContentType = "application/json;charset=UTF-8";
    public const string ParamFailed = "Parameter verification failed.";

    /// <summary>400, reason "Parameter verification failed.", <c>{"data":null,"errors":{param:message},"message":…}</c>.</summary>
    public static JsonObject ParamError(PveClient.Response r, string param, string message)
    {
        var errors = ParamErrors(r);
        Assert.True(errors.ContainsKey(param), $"no error for '{param}' in {r}");
        Assert.Equal(message, errors[param]!.GetValue<string>());
        return errors;
    }

    /// <summary>Like <see cref="ParamError"/> but only the start of the message is fixed (it quotes a parser's text).</summary>
    public static void ParamErrorStartsWith(PveClient.Response r, string param, string prefix)
    {
        var errors = ParamErrors(r);
        Assert.True(errors.ContainsKey(param), $"no error for '{param}' in {r}");
        Assert.StartsWith(prefix, errors[param]!.GetValue<string>());
    }

    public static JsonObject ParamErrors(PveClient.Response r)
    {
        Assert.True(r.Status == HttpStatusCode.BadRequest, $"expected 400, got {r}");
        Assert.Equal(ParamFailed, r.Reason);
        Assert.Equal(ContentType, r.ContentType);
        var json = r.Json!.AsObject();
        Assert.True(json.ContainsKey("data"), "no data key");
        Assert.Null(json["data"]);
        Assert.Equal(ParamFailed + "\n", r.Message);
        return Assert.IsType<JsonObject>(json["errors"]);
    }

    /// <summary>A handler refusal: the status (500 unless said), the message as reason phrase and in the body, data null.</summary>
    public static void Refused(PveClient.Response r, string message, HttpStatusCode status = HttpStatusCode.InternalServerError)
    {
        Assert.True(r.Status == status, $"expected {(int)status}, got {r}");
        Assert.Equal(message, r.Reason);
        Assert.Equal(ContentType, r.ContentType);
        var json = r.Json!.AsObject();
        Assert.True(json.ContainsKey("data"), "no data key");
        Assert.Null(json["data"]);
        Assert.Equal(message + "\n", r.Message);
        Assert.False(json.ContainsKey("errors"));
    }

    /// <summary>401 raised before any handler: reason phrase only, empty body, no content type.</summary>
    public static void Unauthorized(PveClient.Response r, string reason)
    {
        Assert.True(r.Status == HttpStatusCode.Unauthorized, $"expected 401, got {r}");
        Assert.Equal(reason, r.Reason);
        Assert.Equal("", r.Body);
        Assert.Null(r.ContentType);
    }

    public static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    public static HttpContent Bytes(byte[] body, string contentType)
    {
        var c = new ByteArrayContent(body);
        c.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return c;
    }

    public static HttpContent Form(string raw) => Bytes(Encoding.ASCII.GetBytes(raw), "application/x-www-form-urlencoded");
}
