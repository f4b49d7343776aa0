using System.Text.Json.Nodes;
using ActorMigration.Drivers.Qemu.Qmp;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

public sealed class QmpClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Real_qemu_greeting_commands_errors_concurrency_and_events()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var node = env.AddNode("qmp1");
        var rt = await node.Hypervisor.StartAsync(Specs.Guest(120, "qmp"));
        // The driver keeps one QMP connection per VM; QEMU serves one client, so let go of it first.
        await node.DisposeAsync();

        await using var qmp = await QmpClient.ConnectAsync(node.Qemu.FilesOf(120).QmpSocket);
        Assert.StartsWith("7.", qmp.QemuVersion);

        var status = await qmp.ExecuteAsync("query-status");
        Assert.Equal("running", status!["status"]!.ToString());

        // Errors carry QEMU's desc.
        var err = await Assert.ThrowsAsync<QmpException>(() => qmp.ExecuteAsync("query-no-such-thing"));
        Assert.Equal("CommandNotFound", err.ErrorClass);
        Assert.Contains("query-no-such-thing", err.Desc);
        var bad = await Assert.ThrowsAsync<QmpException>(() =>
            qmp.ExecuteAsync("block-job-cancel", new JsonObject { ["device"] = "nope" }));
        Assert.Contains("nope", bad.Desc);

        // Concurrent callers each get their own answer.
        var names = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            i % 2 == 0 ? qmp.ExecuteAsync("query-name") : qmp.ExecuteAsync("query-status")));
        for (var i = 0; i < names.Length; i++)
        {
            if (i % 2 == 0) Assert.Equal("test-120", names[i]!["name"]!.ToString());
            else Assert.NotNull(names[i]!["status"]);
        }

        // Event stream: stop → STOP, cont → RESUME.
        using var events = qmp.Subscribe();
        await qmp.ExecuteAsync("stop");
        await events.WaitAsync(e => e.Name == "STOP", TimeSpan.FromSeconds(10));
        Assert.Equal("paused", (await qmp.ExecuteAsync("query-status"))!["status"]!.ToString());
        await qmp.ExecuteAsync("cont");
        await events.WaitAsync(e => e.Name == "RESUME", TimeSpan.FromSeconds(10));

        // quit: SHUTDOWN arrives, then the connection closes.
        await qmp.ExecuteAsync("quit");
        var shutdown = await events.WaitAsync(e => e.Name == "SHUTDOWN", TimeSpan.FromSeconds(10));
        Assert.Equal("host-qmp-quit", shutdown.DataString("reason"));
        await qmp.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(qmp.IsConnected);
        await Assert.ThrowsAsync<IOException>(() => qmp.ExecuteAsync("query-status"));
        Assert.True(rt.Pid > 0);
    }

    [Fact]
    public async Task Command_timeout_and_events_before_answers_with_a_scripted_peer()
    {
        var path = Path.Combine(Path.GetTempPath(), $"am-fake-qmp-{Guid.NewGuid():N}.sock");
        await using var server = new FakeQmpServer(path, msg => msg["execute"]!.ToString() switch
        {
            "hang" => [],
            "with-event" =>
            [
                """{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "BLOCK_JOB_READY", "data": {"device": "scsi0"}}""",
                new JsonObject { ["return"] = new JsonObject { ["ok"] = true }, ["id"] = msg["id"]!.DeepClone() }.ToJsonString()
            ],
            _ => [new JsonObject { ["error"] = new JsonObject { ["class"] = "GenericError", ["desc"] = "scripted failure" },
                ["id"] = msg["id"]!.DeepClone() }.ToJsonString()]
        });
        await using var qmp = await QmpClient.ConnectAsync(path);
        Assert.Equal("7.2.0", qmp.QemuVersion);

        var seen = new List<QmpEvent>();
        qmp.EventReceived += e => { lock (seen) seen.Add(e); };
        var r = await qmp.ExecuteAsync("with-event");
        Assert.True(r!["ok"]!.GetValue<bool>());
        lock (seen) Assert.Equal("scsi0", Assert.Single(seen).DataString("device"));

        var t = await Assert.ThrowsAsync<TimeoutException>(() => qmp.ExecuteAsync("hang", timeout: TimeSpan.FromMilliseconds(300)));
        Assert.Contains("hang", t.Message);

        // The connection survives a timed-out command.
        var e = await Assert.ThrowsAsync<QmpException>(() => qmp.ExecuteAsync("other"));
        Assert.Equal("scripted failure", e.Desc);
    }
}
