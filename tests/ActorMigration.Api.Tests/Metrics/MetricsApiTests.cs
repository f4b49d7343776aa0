using System.Net;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Metrics;

/// <summary>
/// GET /metrics on a member (simulated driver), parsed with prometheus_client: a migration's series while it runs
/// (bandwidth-limited so that it takes a few seconds) and their absence after it, the member's workflow, queue,
/// step-duration and journal-latency metrics, and the authentication in front of it.
/// </summary>
public sealed class MetricsApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private static readonly string[] MigrationSeries =
    [
        "kubevirt_vmi_migration_data_processed_bytes", "kubevirt_vmi_migration_data_remaining_bytes", "kubevirt_vmi_migration_data_total_bytes",
        "kubevirt_vmi_migration_dirty_memory_rate_bytes", "kubevirt_vmi_migration_memory_transfer_rate_bytes",
        "kubevirt_vmi_migration_start_time_seconds", "actormigration_migration_iteration", "actormigration_migration_expected_downtime_seconds",
        "actormigration_migration_cpu_throttle_percent", "actormigration_migration_phase",
    ];

    [Fact]
    public async Task A_running_migration_has_its_series_with_sane_values_and_they_are_gone_after_it()
    {
        var vmid = f.NextVmId();
        var root = await f.Server.RootSession();
        Assert.Equal("OK", await C.Wait(await root.Upid(root.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "1024"),
            ("args", "-sim-dirty-rate 1M")))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        // 10 MiB/s at the fixture's 50x simulated speed: the first pass over 1 GiB alone takes about two seconds.
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("bwlimit", "10240")));
        var mine = new[] { ("upid", upid) };

        IReadOnlyList<PromSample> during = [];
        await PveClient.Eventually(async () =>
        {
            during = await PromText.Scrape(f.Server);
            return during.Any(s => s.Name == "kubevirt_vmi_migration_data_processed_bytes" && s["upid"] == upid && s.Value > 0);
        }, TimeSpan.FromSeconds(30), "the migration's progress in /metrics");

        var labels = during.One("kubevirt_vmi_migration_data_total_bytes", mine).Labels;
        Assert.Equal((vmid.ToString(), "node1", "node2"), (labels["vmid"], labels["source"], labels["target"]));
        var total = during.ValueOf("kubevirt_vmi_migration_data_total_bytes", mine);
        var processed = during.ValueOf("kubevirt_vmi_migration_data_processed_bytes", mine);
        var remaining = during.ValueOf("kubevirt_vmi_migration_data_remaining_bytes", mine);
        Assert.True(processed > 0 && total >= 1L << 30 && remaining <= total, $"processed {processed}, remaining {remaining}, total {total}");
        Assert.InRange(during.ValueOf("kubevirt_vmi_migration_memory_transfer_rate_bytes", mine), 1, 20 * 1024 * 1024);
        Assert.InRange(during.ValueOf("kubevirt_vmi_migration_dirty_memory_rate_bytes", mine), 0, 2 * 1024 * 1024);
        Assert.True(during.ValueOf("actormigration_migration_iteration", mine) >= 1);
        Assert.True(during.ValueOf("actormigration_migration_expected_downtime_seconds", mine) >= 0);
        var started = during.ValueOf("kubevirt_vmi_migration_start_time_seconds", mine);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - started, 0, 60); // both to the millisecond
        var phase = during.One("actormigration_migration_phase", mine);
        Assert.Equal(("gauge", 1.0, "precopy-iterations"), (phase.Type, phase.Value, phase["phase"]));
        Assert.True(during.ValueOf("actormigration_workflows", ("type", "migration"), ("state", "running")) >= 1);
        Assert.True(during.ValueOf("actormigration_migration_queue_length", ("state", "running")) >= 1);

        Assert.Equal("OK", await C.Wait(upid));
        IReadOnlyList<PromSample> after = [];
        await PveClient.Eventually(async () =>
        {
            after = await PromText.Scrape(f.Server);
            return after.ValueOf("actormigration_migration_queue_length", ("state", "running")) == 0;
        }, TimeSpan.FromSeconds(10), "the slot released in /metrics");
        Assert.DoesNotContain(after, s => s["upid"] == upid);
        Assert.DoesNotContain(after, s => MigrationSeries.Contains(s.Name));
        Assert.Equal(0, after.ValueOf("actormigration_migration_queue_length", ("state", "queued")));
        Assert.True(after.ValueOf("actormigration_workflows_finished_total", ("type", "migration"), ("state", "succeeded")) >= 1);
        Assert.Equal(0, after.ValueOf("actormigration_workflows", ("type", "migration"), ("state", "running")));

        // Step durations: a histogram per step type whose buckets grow to +Inf = count, and polls that took time.
        var polls = after.Where(s => s.Family == "actormigration_workflow_step_duration_seconds" && s["step"] == "PollMigration").ToList();
        var buckets = polls.Where(s => s.Name.EndsWith("_bucket")).OrderBy(s => s["le"] == "+Inf" ? double.MaxValue : double.Parse(s["le"]!)).ToList();
        Assert.Equal("histogram", polls[0].Type);
        Assert.True(buckets.Count > 5 && buckets[^1]["le"] == "+Inf");
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.Item1.Value <= p.Item2.Value), "cumulative buckets");
        var count = after.ValueOf("actormigration_workflow_step_duration_seconds_count", ("step", "PollMigration"));
        Assert.True(count >= 2 && buckets[^1].Value == count, $"{count} polls");
        Assert.True(after.ValueOf("actormigration_workflow_step_duration_seconds_sum", ("step", "PollMigration")) > 0);
        Assert.True(after.ValueOf("actormigration_journal_write_seconds_count", ("type", "migration")) > 0);
        Assert.True(after.ValueOf("actormigration_journal_write_seconds_sum", ("type", "migration")) > 0);
    }

    [Fact]
    public async Task Metrics_need_authentication_and_Sys_Audit_and_leak_nothing_before()
    {
        var none = await PromText.Get(C.Http, null);
        Assert.Equal((HttpStatusCode.Unauthorized, "No ticket", ""), (none.Status, none.Reason, none.Body));
        var bad = await PromText.Get(C.Http, "PVEAPIToken=root@pam!admin=00000000-0000-0000-0000-000000000000");
        Assert.Equal((HttpStatusCode.Unauthorized, "Authentication failed!", ""), (bad.Status, bad.Reason, bad.Body));
        var forged = await PromText.Get(C.Http, "PVEAuthCookie=PVE:root@pam:4EEC61E2::forged");
        Assert.Equal((HttpStatusCode.Unauthorized, ""), (forged.Status, forged.Body));

        var nobody = await f.Server.UserSession("metrics-nobody@pve");
        var denied = await PromText.Get(nobody.Http, null);
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Contains("Permission check failed (/, Sys.Audit)", denied.Body);
        Assert.DoesNotContain("actormigration_", denied.Body);
        Assert.DoesNotContain("kubevirt_", denied.Body);

        var auditor = await f.Server.UserSession("metrics-auditor@pve", ("/", "PVEAuditor"));
        var allowed = await PromText.Get(auditor.Http, null);
        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        var samples = await PromText.Parse(allowed.Body);
        Assert.Contains(samples, s => s.Name == "actormigration_migration_queue_length" && s["state"] == "queued");
    }
}
