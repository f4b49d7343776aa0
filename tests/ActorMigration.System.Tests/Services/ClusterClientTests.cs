using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using ActorMigration.Api.Setup;

namespace ActorMigration.SystemTests.Services;

/// <summary>
/// A service outside the cluster (samples/ActorMigration.SampleClient, its own process) submits through Akka's
/// ClusterClient: the member that received the migration is killed with kill -9, the service resubmits with the same
/// request id through another member and gets the same UPID; one task ran, and its events arrive in order.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class ClusterClientTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int VmId = 140;

    [Fact]
    public async Task A_resubmission_after_kill_9_of_the_receiving_member_answers_the_same_upid_and_one_task_runs_with_its_events_in_order()
    {
        await using var three = await ThreeMembers.StartAsync("5",
            memberEnv: [.. Enumerable.Range(0, 3).Select(_ => new Dictionary<string, string> { ["AM_SERVICE_PORT"] = $"{Repo.FreePort()}" })]);
        var (m1, m2, m3) = (three[0], three[1], three[2]);
        var tls = Repo.TempDir("am-svc-tls");
        ClusterCertificates.IssueService(m1.TlsDir, tls, "billing");
        var secret = (await m1.Client.Post("/access/users/root@pam/token/svc", ("privsep", "0"))).Data!["value"]!.GetValue<string>();
        var token = $"root@pam!svc={secret}";
        Assert.Equal("OK", await m1.Client.Wait(await m1.Client.Upid(m1.Client.Post("/nodes/node1/qemu", ("vmid", $"{VmId}"),
            ("memory", "8192"), ("scsi0", "local:1"))), TimeSpan.FromSeconds(60)));

        // Submitted through m2 alone: a start, then the migration with request id K.
        var start = await Sample(token, tls, [m2], "submit", "start", "--node", "node1", "--vmid", $"{VmId}", "--request-id", "start-140");
        Assert.Equal(0, start.Code);
        Assert.Equal("OK", await m1.Client.Wait(start.Out.Trim(), TimeSpan.FromSeconds(60)));
        string[] migrate = ["submit", "migrate", "--node", "node1", "--vmid", $"{VmId}", "--target", "node3", "--online", "--with-local-disks",
            "--request-id", "order-4711"];
        var first = await Sample(token, tls, [m2], migrate);
        Assert.True(first.Code == 0, first.Err);
        var upid = first.Out.Trim();
        Assert.StartsWith("UPID:node1:", upid);
        Assert.Contains(":qmigrate:140:root@pam!svc:", upid);

        // A service watching the task live through m1 while m2 dies.
        var watching = Sample(token, tls, [m1], "watch", "--upid", upid, "--since", "0", "--until-stopped", "--timeout", "150");

        var pid = m2.Pid!.Value;
        m2.Kill9();
        Assert.False(Directory.Exists($"/proc/{pid}"), "m2 still runs");
        Assert.Equal("running", (await m1.Client.Get($"/nodes/node1/tasks/{Uri.EscapeDataString(upid)}/status")).Data!["status"]!.GetValue<string>());

        // The same request id through m3: the same UPID (retried while the cluster settles after the loss).
        string? again = null;
        await PveClient.Eventually(async () =>
        {
            var r = await Sample(token, tls, [m3], migrate);
            output.WriteLine($"resubmit: {r.Code} {r.Out.Trim()} {Last(r.Err)}");
            if (r.Code == 0) again = r.Out.Trim();
            else Assert.DoesNotContain("refused (4", r.Err); // a refusal would be final; only "not answered" may be retried
            return again is not null;
        }, TimeSpan.FromSeconds(120), "the resubmission answered");
        Assert.Equal(upid, again);

        // The events, through m1's gateway from the start: in journal order, from started to stopped OK.
        var watch = await watching;
        Assert.True(watch.Code == 0, watch.Err);
        var events = watch.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        output.WriteLine(string.Join('\n', events.Select(e => $"{e["position"]} {e["state"]} {e["step"]} {e["status"]}")));
        var positions = events.Select(e => e["position"]!.GetValue<long>()).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(positions.Count, positions.Distinct().Count());
        Assert.All(events, e => Assert.Equal(upid, e["upid"]!.GetValue<string>()));
        var states = events.Select(e => e["state"]!.GetValue<string>()).ToList();
        Assert.Equal("started", states[0]);
        Assert.Equal("accepted", states[1]);
        Assert.Equal("stopped", states[^1]);
        Assert.Equal("OK", events[^1]["status"]!.GetValue<string>());
        Assert.Single(states, "accepted");
        // The same events as the REST stream shows them.
        var sse = await m1.Client.Get("/cluster/tasks/events", ("upid", upid), ("since", "0"), ("timeout", "2"));
        var sseIds = sse.Body.Split('\n').Where(l => l.StartsWith("id:", StringComparison.Ordinal)).Select(l => long.Parse(l[3..].Trim())).ToList();
        Assert.Equal(sseIds, positions);

        // One task, the VM once, running on node3.
        var tasks = (await m1.Client.Get("/cluster/tasks")).Data!.AsArray();
        Assert.Single(tasks, t => t!["type"]!.GetValue<string>() == "qmigrate" && t["id"]!.GetValue<string>() == $"{VmId}");
        var vms = (await m3.Client.Get("/cluster/resources", ("type", "vm"))).Data!.AsArray()
            .Where(v => v!["vmid"]!.GetValue<int>() == VmId).ToList();
        Assert.Single(vms);
        Assert.Equal("node3", vms[0]!["node"]!.GetValue<string>());
        Assert.Equal("running", (await m3.Client.Get($"/nodes/node3/qemu/{VmId}/status/current")).Data!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.InternalServerError, (await m1.Client.Get($"/nodes/node1/qemu/{VmId}/status/current")).Status);

        // Refusals come back as the REST API gives them, and start nothing.
        var other = await Sample(token, tls, [m3], [.. migrate.SkipLast(1), "order-4712"]);
        Assert.Equal(1, other.Code);
        Assert.Contains($"refused (500): Configuration file 'nodes/node1/qemu-server/{VmId}.conf' does not exist", other.Err);
        var sameKey = await Sample(token, tls, [m3], "submit", "stop", "--node", "node3", "--vmid", $"{VmId}", "--request-id", "order-4711");
        Assert.Equal(1, sameKey.Code);
        Assert.Contains("Idempotency-Key: key already used for a different request", sameKey.Err);
        var badToken = await Sample("root@pam!svc=00000000-0000-0000-0000-000000000000", tls, [m3], "submit", "stop", "--node", "node3", "--vmid", $"{VmId}");
        Assert.Equal(1, badToken.Code);
        Assert.Contains("refused (401)", badToken.Err);
        var badParam = await Sample(token, tls, [m3], "submit", "migrate", "--node", "node3", "--vmid", $"{VmId}", "--target", "no_such node");
        Assert.Equal(1, badParam.Code);
        Assert.Contains("refused (400)", badParam.Err);
        Assert.Contains("  target: ", badParam.Err);
        Assert.Equal("running", (await m3.Client.Get($"/nodes/node3/qemu/{VmId}/status/current")).Data!["status"]!.GetValue<string>());
        Assert.Single((await m1.Client.Get("/cluster/tasks")).Data!.AsArray(), t => t!["type"]!.GetValue<string>() == "qmigrate");

        // A service's certificate opens the services' port only: the cluster's own port refuses it.
        var intruder = await Sample(token, tls, [m1], ["status", "--upid", upid, "--timeout", "5"], contact: m1.AkkaAddress);
        Assert.Equal(3, intruder.Code);
        Assert.Contains("is not a member's", m1.ReadLog());
    }

    private static string Last(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";

    private static string Dll => Path.Combine(Repo.Root, "samples", "ActorMigration.SampleClient", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "ActorMigration.SampleClient.dll");

    /// <summary>Runs the sample client with <paramref name="contacts"/> as its only initial contacts.</summary>
    private Task<(int Code, string Out, string Err)> Sample(string token, string tls, MemberProcess[] contacts, params string[] args) =>
        Sample(token, tls, contacts, args, null);

    private async Task<(int Code, string Out, string Err)> Sample(string token, string tls, MemberProcess[] contacts, string[] args, string? contact)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        var to = contact ?? string.Join(",", contacts.Select(c => c.ServiceAddress));
        foreach (var a in (string[])[Dll, .. args, "--contact", to, "--tls-dir", tls])
            psi.ArgumentList.Add(a);
        psi.Environment["AM_TOKEN"] = token;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        await p.WaitForExitAsync(cts.Token);
        var (o, e) = (await stdout, await stderr);
        if (p.ExitCode != 0) output.WriteLine($"sample client {string.Join(' ', args)} exited {p.ExitCode}: {Last(e)}");
        return (p.ExitCode, o, e);
    }
}
