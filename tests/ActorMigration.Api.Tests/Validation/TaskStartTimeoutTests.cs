using System.Net;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>
/// A member whose requests wait only 1 ms for their task to hold its lock (AM_TASK_START_TIMEOUT_MS): every start
/// outlasts that wait, and must still be answered with its UPID, never "got timeout" while the task runs.
/// </summary>
public sealed class TaskStartTimeoutTests : IAsyncLifetime
{
    private InProcessServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["AM_TASK_START_TIMEOUT_MS"] = "1" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_started_task_is_answered_with_its_upid_after_the_wait()
    {
        var c = _server.Client;
        var create = await c.Post("/nodes/node1/qemu", ("vmid", "120"), ("memory", "512"), ("scsi0", "local:1"));
        Assert.True(create.Status == HttpStatusCode.OK, create.ToString());
        var upid = create.Data!.GetValue<string>();
        Assert.StartsWith("UPID:node1:", upid);
        Assert.Equal("OK", await c.Wait(upid));

        var start = await c.Post("/nodes/node1/qemu/120/status/start");
        Assert.True(start.Status == HttpStatusCode.OK, start.ToString());
        Assert.Equal("OK", await c.Wait(start.Data!.GetValue<string>()));
    }

    [Fact]
    public async Task A_task_refused_at_its_lock_is_answered_with_the_refusal_after_the_wait()
    {
        var c = _server.Client;
        var upid = await c.Upid(c.Post("/nodes/node1/qemu", ("vmid", "121"), ("memory", "512")));
        Assert.Equal("OK", await c.Wait(upid));
        // Two destroys at once: the second finds the VM locked or gone; either way it is refused, not "got timeout".
        var first = c.Delete("/nodes/node1/qemu/121");
        var second = c.Delete("/nodes/node1/qemu/121");
        var answers = await Task.WhenAll(first, second);
        foreach (var r in answers)
            Assert.True(r.Status == HttpStatusCode.OK || !r.Body.Contains("got timeout"), r.ToString());
        Assert.Contains(answers, r => r.Status == HttpStatusCode.OK);
    }
}
