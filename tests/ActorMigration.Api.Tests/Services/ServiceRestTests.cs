using System.Text.Json.Nodes;
using ActorMigration.Api.Services;
using ActorMigration.Contracts;

namespace ActorMigration.Api.Tests.Services;

/// <summary>The ClusterClient contract messages as the REST requests they stand for, and REST answers as replies.</summary>
public sealed class ServiceRestTests
{
    private const string Token = "svc@pve!ci=secret";
    private const string Upid = "UPID:node1:00001234:00005678:6B000000:qmigrate:100:svc@pve!ci:";

    private static string Form(RestCall c) => string.Join('&', c.Parameters.Select(p => $"{p.Key}={p.Value}"));

    [Fact]
    public void A_migration_is_the_migrate_post_with_proxmox_s_parameter_names()
    {
        var c = ServiceRest.For(new SubmitMigrate(Token, "k", "node1", 100, "node2", Online: true, WithLocalDisks: true,
            TargetStorage: "fast", BwLimitKiB: 8192));
        Assert.Equal(("POST", "/nodes/node1/qemu/100/migrate"), (c.Method, c.Path));
        Assert.Equal("target=node2&online=1&with-local-disks=1&targetstorage=fast&bwlimit=8192", Form(c));
        Assert.Equal("target=node2&online=0", Form(ServiceRest.For(new SubmitMigrate(Token, null, "node1", 100, "node2"))));
    }

    [Fact]
    public void Clone_create_start_stop_and_query_map_to_their_routes()
    {
        var clone = ServiceRest.For(new SubmitClone(Token, null, "node1", 100, 120, Name: "web", Full: true, Target: "node2"));
        Assert.Equal(("POST", "/nodes/node1/qemu/100/clone", "newid=120&name=web&full=1&target=node2"), (clone.Method, clone.Path, Form(clone)));
        var create = ServiceRest.For(new SubmitCreate(Token, null, "node1", 130,
            new Dictionary<string, string> { ["scsi0"] = "local:1", ["memory"] = "512", ["vmid"] = "999" }));
        Assert.Equal(("POST", "/nodes/node1/qemu", "vmid=130&memory=512&scsi0=local:1"), (create.Method, create.Path, Form(create)));
        Assert.Equal("/nodes/node1/qemu/100/status/start", ServiceRest.For(new SubmitStart(Token, null, "node1", 100)).Path);
        Assert.Equal("/nodes/node1/qemu/100/status/stop", ServiceRest.For(new SubmitStop(Token, null, "node1", 100)).Path);
        var q = ServiceRest.For(new QueryTask(Token, Upid));
        Assert.Equal(("GET", $"/nodes/node1/tasks/{Uri.EscapeDataString(Upid)}/status"), (q.Method, q.Path));
        var events = ServiceRest.For(new SubscribeTaskEvents(Token, Since: 17, Type: "qmigrate"));
        Assert.Equal(("GET", "/cluster/tasks/events", "since=17&type=qmigrate"), (events.Method, events.Path, Form(events)));
    }

    [Fact]
    public void A_path_segment_from_the_message_is_escaped_not_interpreted()
    {
        Assert.Equal("/nodes/node1%2F..%2Faccess/qemu/100/status/start",
            ServiceRest.For(new SubmitStart(Token, null, "node1/../access", 100)).Path);
    }

    [Fact]
    public void Answers_become_accepted_refused_or_a_task_report()
    {
        var start = new SubmitStart(Token, null, "node1", 100);
        Assert.Equal(new TaskAccepted(Upid), ServiceRest.Reply(start, 200, "OK", JsonNode.Parse($$"""{"data":"{{Upid}}"}""")));
        var refused = (Refused)ServiceRest.Reply(start, 400, "Parameter verification failed.",
            JsonNode.Parse("""{"data":null,"errors":{"target":"no such node"},"message":"Parameter verification failed.\n"}"""));
        Assert.Equal((400, "Parameter verification failed.", "no such node"), (refused.Status, refused.Message, refused.Errors!["target"]));
        var die = (Refused)ServiceRest.Reply(start, 500, "VM 100 already running", JsonNode.Parse("""{"data":null,"message":"VM 100 already running\n"}"""));
        Assert.Equal((500, "VM 100 already running"), (die.Status, die.Message));
        Assert.Null(die.Errors);
        Assert.Equal(new Refused(401, "authentication failure"), ServiceRest.Reply(start, 401, "authentication failure", null));
        Assert.Equal(500, ((Refused)ServiceRest.Reply(start, 200, "OK", JsonNode.Parse("""{"data":null}"""))).Status);
        var report = ServiceRest.Reply(new QueryTask(Token, Upid), 200, "OK",
            JsonNode.Parse($$$"""{"data":{"upid":"{{{Upid}}}","status":"stopped","exitstatus":"OK","type":"qmigrate","node":"node1","user":"svc@pve"}}"""));
        Assert.Equal(new TaskReport(Upid, "stopped", "OK", "qmigrate", "node1", "svc@pve"), report);
    }

    [Fact]
    public void An_sse_event_becomes_a_task_event_at_its_position()
    {
        var e = ServiceRest.Event(42, JsonNode.Parse($$"""
            {"upid":"{{Upid}}","node":"node1","type":"qmigrate","id":"100","user":"svc@pve!ci","state":"step","step":"precopy","status":null,"at":1764998400}
            """)!);
        Assert.Equal(new TaskEvent(42, Upid, "node1", "qmigrate", "100", "svc@pve!ci", "step", "precopy", null, 1764998400), e);
    }

    [Fact]
    public void A_reply_is_not_a_request()
    {
        Assert.Throws<ArgumentException>(() => ServiceRest.For(new TaskAccepted(Upid)));
        Assert.Null(ServiceRest.TokenOf(new TaskAccepted(Upid)));
        Assert.Equal(Token, ServiceRest.TokenOf(new QueryTask(Token, Upid)));
    }

    [Fact]
    public void A_printed_request_does_not_show_the_token_s_secret()
    {
        IServiceMessage[] requests =
        [
            new SubmitMigrate(Token, "k", "node1", 100, "node2"), new SubmitStart(Token, null, "node1", 100),
            new QueryTask(Token, Upid), new SubscribeTaskEvents(Token, Since: 3),
        ];
        Assert.All(requests, r => Assert.DoesNotContain("secret", r.ToString()));
        Assert.All(requests, r => Assert.Contains("Token = svc@pve!ci=***", r.ToString()));
        Assert.Contains("Target = node2", requests[0].ToString());
    }
}
