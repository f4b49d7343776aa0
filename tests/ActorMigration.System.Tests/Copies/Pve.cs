using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.SystemTests.Copies;

/// <summary>Small API helpers shared by the copies tests.</summary>
public static class Pve
{
    public static readonly TimeSpan TaskTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Starts a task, waits for it and asserts <paramref name="exit"/>; returns its log.</summary>
    public static async Task<IReadOnlyList<string>> Task(this PveClient c, Task<PveClient.Response> call, string exit = "OK")
    {
        var upid = await c.Upid(call);
        var status = await c.Wait(upid, TaskTimeout);
        var log = await c.Log(upid);
        Assert.True(status == exit, $"task {upid} ended '{status}', expected '{exit}'. Log:\n{string.Join('\n', log)}");
        return log;
    }

    /// <summary>Either a synchronous refusal or a failed task; returns the message.</summary>
    public static async Task<string> Refused(this PveClient c, Task<PveClient.Response> call)
    {
        var r = await call;
        if (r.Status != HttpStatusCode.OK) return r.Message ?? r.Body;
        if (r.Data is JsonValue v && v.GetValue<string>() is { } s && s.StartsWith("UPID:"))
        {
            var status = await c.Wait(s, TaskTimeout);
            Assert.NotEqual("OK", status);
            return status;
        }
        throw new Xunit.Sdk.XunitException($"expected a refusal, got {r}");
    }

    /// <summary>The refusal must come before any task (HTTP 500, no UPID).</summary>
    public static async Task<string> RefusedNow(this PveClient c, Task<PveClient.Response> call)
    {
        var r = await call;
        Assert.True(r.Status == HttpStatusCode.InternalServerError, $"expected a refusal, got {r}");
        return (r.Message ?? "").TrimEnd('\n');
    }

    public static async Task<JsonObject> Config(this PveClient c, int vmid, string node = "node1")
    {
        var r = await c.Get($"/nodes/{node}/qemu/{vmid}/config");
        Assert.True(r.Status == HttpStatusCode.OK, $"config of {vmid}: {r}");
        return r.Data!.AsObject();
    }

    public static string? Str(this JsonObject o, string key) => o[key]?.ToString();

    public static async Task<JsonObject> Current(this PveClient c, int vmid, string node = "node1") =>
        (await c.Get($"/nodes/{node}/qemu/{vmid}/status/current")).Data!.AsObject();

    /// <summary>Creates a stopped VM; <paramref name="form"/> adds or overrides options.</summary>
    public static Task<IReadOnlyList<string>> CreateVm(this PveClient c, int vmid, params (string, string)[] form) =>
        c.CreateVmOn("node1", vmid, form);

    public static Task<IReadOnlyList<string>> CreateVmOn(this PveClient c, string node, int vmid, params (string, string)[] form)
    {
        var all = new List<(string, string)> { ("vmid", vmid.ToString()) };
        if (form.All(x => x.Item1 != "memory")) all.Add(("memory", "128"));
        all.AddRange(form);
        return c.Task(c.Post($"/nodes/{node}/qemu", all.ToArray()));
    }

    public static Task<IReadOnlyList<string>> Start(this PveClient c, int vmid, string node = "node1") =>
        c.Task(c.Post($"/nodes/{node}/qemu/{vmid}/status/start"));

    public static Task<IReadOnlyList<string>> Stop(this PveClient c, int vmid, string node = "node1") =>
        c.Task(c.Post($"/nodes/{node}/qemu/{vmid}/status/stop"));

    public static Task<IReadOnlyList<string>> Destroy(this PveClient c, int vmid, string node = "node1") =>
        c.Task(c.Delete($"/nodes/{node}/qemu/{vmid}"));

    public static Task<IReadOnlyList<string>> Clone(this PveClient c, int vmid, int newid, params (string, string)[] form) =>
        c.Task(c.Post($"/nodes/node1/qemu/{vmid}/clone", [("newid", newid.ToString()), .. form]));

    public static Task<IReadOnlyList<string>> Template(this PveClient c, int vmid) =>
        c.Task(c.Post($"/nodes/node1/qemu/{vmid}/template"));

    /// <summary>The volid of a drive in a config (without options).</summary>
    public static string Volid(this JsonObject cfg, string drive) => cfg.Str(drive)!.Split(',')[0];

    public static string? Mac(string? net) => net?.Split(',')[0].Split('=') is [_, var mac] ? mac : null;

    public static string? SmbiosUuid(JsonObject cfg) =>
        cfg.Str("smbios1")?.Split(',').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "uuid")?[1];
}
