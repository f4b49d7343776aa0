using System.Net;
using ActorMigration.Actors.Submissions;
using ActorMigration.Actors.Workflows;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Domain.Submissions;
using ActorMigration.Domain.Workflows.VmTask;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorMigration.Api.Tests.Services;

/// <summary>Idempotency-Key (our extension): a repeat answers the same UPID and starts nothing.</summary>
public sealed class IdempotencyApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private async Task<int> CreateVm(string node)
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/{node}/qemu", ("vmid", vmid.ToString()), ("memory", "512")))));
        return vmid;
    }

    /// <summary>A POST with the token (or <paramref name="by"/>'s session) and an Idempotency-Key.</summary>
    private async Task<PveClient.Response> Post(string path, string key, (string, string)[] form, PveClient? by = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api2/json" + path);
        if (by is null) req.Headers.TryAddWithoutValidation("Authorization", $"PVEAPIToken={f.Server.Token}");
        req.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        req.Content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Item1, p.Item2)));
        using var resp = await (by ?? C).Http.SendAsync(req);
        return new PveClient.Response(resp.StatusCode, resp.ReasonPhrase, await resp.Content.ReadAsStringAsync(), null);
    }

    private async Task<int> TasksOf(string node, int vmid, string type) =>
        (await C.Get($"/nodes/{node}/tasks", ("vmid", vmid.ToString()), ("limit", "0"))).Data!.AsArray()
            .Count(t => t!["type"]!.GetValue<string>() == type);

    [Fact]
    public async Task A_repeated_migration_answers_the_same_upid_and_starts_one_task()
    {
        var vmid = await CreateVm("node1");
        var key = $"mig-{vmid}-{Guid.NewGuid():N}";
        (string, string)[] form = [("target", "node2")];

        // Two at once, then one after the migration ended (the VM is no longer on node1: only the claim answers).
        var first = await Task.WhenAll(Post($"/nodes/node1/qemu/{vmid}/migrate", key, form), Post($"/nodes/node1/qemu/{vmid}/migrate", key, form));
        Assert.All(first, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var upid = first[0].Data!.GetValue<string>();
        Assert.Equal(upid, first[1].Data!.GetValue<string>());
        Assert.Equal("OK", await C.Wait(upid));
        var again = await Post($"/nodes/node1/qemu/{vmid}/migrate", key, form);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(upid, again.Data!.GetValue<string>());

        await PveClient.Eventually(async () => await TasksOf("node1", vmid, "qmigrate") == 1, what: "the task listed");
        await Task.Delay(500);
        Assert.Equal(1, await TasksOf("node1", vmid, "qmigrate"));
        // Without the key the same request is a new one: refused by the checks as usual.
        Assert.Equal(HttpStatusCode.InternalServerError, (await C.Post($"/nodes/node1/qemu/{vmid}/migrate", form)).Status);
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_refused_and_starts_nothing()
    {
        var vmid = await CreateVm("node1");
        var key = $"start-{vmid}";
        var upid = (await Post($"/nodes/node1/qemu/{vmid}/status/start", key, [])).Data!.GetValue<string>();
        Assert.Equal("OK", await C.Wait(upid));

        var other = await Post($"/nodes/node1/qemu/{vmid}/status/stop", key, []);
        Assert.Equal(HttpStatusCode.BadRequest, other.Status);
        Assert.Contains("different request", other.Errors!["Idempotency-Key"]!.GetValue<string>());
        var otherBody = await Post($"/nodes/node1/qemu/{vmid}/status/start", key, [("timeout", "30")]);
        Assert.Equal(HttpStatusCode.BadRequest, otherBody.Status);
        Assert.Equal(0, await TasksOf("node1", vmid, "qmstop"));
        Assert.Equal("running", (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_users_same_key_is_another_key()
    {
        var (a, b) = (await CreateVm("node1"), await CreateVm("node1"));
        var root = await f.Server.RootSession();
        var byToken = await Post($"/nodes/node1/qemu/{a}/status/start", "shared-key", []);
        var byRoot = await Post($"/nodes/node1/qemu/{b}/status/start", "shared-key", [], root);
        Assert.Equal(HttpStatusCode.OK, byToken.Status);
        Assert.Equal(HttpStatusCode.OK, byRoot.Status);
        Assert.NotEqual(byToken.Data!.GetValue<string>(), byRoot.Data!.GetValue<string>());
        Assert.Contains(":root@pam!admin:", byToken.Data!.GetValue<string>());
        Assert.EndsWith(":root@pam:", byRoot.Data!.GetValue<string>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("x129")]
    public async Task A_malformed_key_is_a_400_and_starts_nothing(string key)
    {
        if (key == "x129") key = new string('k', 129);
        var vmid = await CreateVm("node1");
        var r = await Post($"/nodes/node1/qemu/{vmid}/status/start", key, []);
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.NotNull(r.Errors!["Idempotency-Key"]);
        Assert.Equal(0, await TasksOf("node1", vmid, "qmstart"));
    }

    [Fact]
    public async Task A_claim_whose_task_never_started_is_started_by_the_retry_once()
    {
        // The member that received the request claimed the key and died before it started the task: the claim is there,
        // the task is not. The retry (on any member) starts that very task.
        var vmid = await CreateVm("node1");
        const string user = "root@pam!admin";
        var key = $"crashed-{vmid}";
        var upid = UpidFactory.Next("node1", "qmstart", vmid.ToString(), user).ToString();
        var fingerprint = IdempotencyKeys.Fingerprint("POST", $"/api2/json/nodes/node1/qemu/{vmid}/status/start",
            [new("node", "node1"), new("vmid", vmid.ToString())]);
        var region = f.Server.Services.GetRequiredService<ActorRegistry>().Get<SubmissionRegion>();
        var claim = await region.Ask<SubmissionReply>(new ClaimSubmission(IdempotencyKeys.EntityId(user, key), key, user, fingerprint,
            new StartTask(upid, new VmTaskRequest(VmTaskMachine.Start, vmid, "node1", user, 30)), DateTimeOffset.UtcNow), TimeSpan.FromSeconds(15));
        Assert.Equal(upid, claim.Start!.Upid);
        Assert.Equal(0, await TasksOf("node1", vmid, "qmstart"));

        var retry = await Post($"/nodes/node1/qemu/{vmid}/status/start", key, []);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(upid, retry.Data!.GetValue<string>());
        Assert.Equal("OK", await C.Wait(upid));
        Assert.Equal(upid, (await Post($"/nodes/node1/qemu/{vmid}/status/start", key, [])).Data!.GetValue<string>());
        await PveClient.Eventually(async () => await TasksOf("node1", vmid, "qmstart") == 1, what: "the task listed");
    }
}
