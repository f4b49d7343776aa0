using System.Diagnostics;
using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Api.Tests.Compat;

[CollectionDefinition(Name)]
public sealed class AnsibleCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "ansible";
}

/// <summary>
/// Debian's ansible-playbook (ansible 7.7, community.general 6.6.2) runs an admin's everyday lifecycle
/// (tests/fixtures/ansible/lifecycle.yml) against a member with token auth, twice: the first run passes, the second
/// changes nothing but the one task the module always reports changed; then teardown.yml removes it all.
/// </summary>
[Collection(AnsibleCollection.Name)]
public sealed class AnsiblePlaybookTests(ServerFixture f, ITestOutputHelper output)
{
    private const int VmId = 600;

    /// <summary>proxmox_kvm with <c>update: true</c> reports changed on every run (the module's code, not the answer).</summary>
    private static readonly string[] AlwaysChanged = ["update"];

    private PveClient C => f.Client;

    [Fact]
    public async Task The_lifecycle_playbook_passes_and_a_second_run_changes_nothing()
    {
        var first = await Play("lifecycle.yml");
        Assert.Empty(Failed(first));
        Assert.Contains("create", Changed(first));

        // Reality after the first run, through the API.
        var resources = (await C.Get("/cluster/resources", ("type", "vm"))).Json!["data"]!.AsArray();
        string NodeOf(int vmid) => resources.First(r => r!["vmid"]!.GetValue<int>() == vmid)!["node"]!.GetValue<string>();
        Assert.Equal("node2", NodeOf(VmId));
        var vm = await Config("node2", VmId);
        Assert.Equal("prod;web", vm["tags"]!.GetValue<string>());
        Assert.Matches("^virtio=[0-9A-F:]{17},bridge=vmbr0,tag=10$", vm["net1"]!.GetValue<string>());
        Assert.Contains("size=2G", vm["scsi1"]!.GetValue<string>());
        Assert.Contains("before", (await C.Get($"/nodes/node2/qemu/{VmId}/snapshot")).Body);
        var restored = await Config("node2", VmId + 1);
        Assert.Equal(($"restored{VmId}", "1024", 2),
            (restored["name"]!.GetValue<string>(), restored["memory"]!.ToString(), restored["cores"]!.GetValue<int>()));
        Assert.Equal(1, (await Config("node2", VmId + 2))["template"]!.GetValue<int>());

        var second = await Play("lifecycle.yml");
        Assert.Empty(Failed(second));
        Assert.Equal(AlwaysChanged, Changed(second));

        var teardown = await Play("teardown.yml");
        Assert.Empty(Failed(teardown));
        foreach (var id in new[] { VmId, VmId + 1, VmId + 2 })
            Assert.DoesNotContain($"\"vmid\":{id},", (await C.Get("/cluster/resources", ("type", "vm"))).Body);
        Assert.Equal("[]", (await C.Get("/nodes/node2/storage/local/content", ("content", "backup"), ("vmid", VmId.ToString())))
            .Json!["data"]!.ToJsonString());
    }

    private async Task<JsonObject> Config(string node, int vmid) =>
        (await C.Get($"/nodes/{node}/qemu/{vmid}/config")).Json!["data"]!.AsObject();

    private static IEnumerable<(string Task, JsonNode Result)> Results(JsonNode run) =>
        run["plays"]!.AsArray().SelectMany(p => p!["tasks"]!.AsArray())
            .Select(t => (t!["task"]!["name"]!.GetValue<string>(), t["hosts"]!["localhost"]!));

    private static List<string> Failed(JsonNode run) =>
        Results(run).Where(r => r.Result["failed"]?.GetValue<bool>() == true).Select(r => $"{r.Task}: {r.Result["msg"]}").ToList();

    private static List<string> Changed(JsonNode run) =>
        Results(run).Where(r => r.Result["changed"]?.GetValue<bool>() == true).Select(r => r.Task).ToList();

    /// <summary>Runs a playbook of tests/fixtures/ansible with the json callback; its parsed report.</summary>
    private async Task<JsonNode> Play(string playbook)
    {
        var token = f.Server.Token; // root@pam!admin=<secret>
        var tokenId = token[(token.IndexOf('!') + 1)..token.IndexOf('=')];
        var secret = token[(token.IndexOf('=') + 1)..];
        var inventory = Path.Combine(f.Server.DataDir, "ansible-inventory.ini");
        await File.WriteAllTextAsync(inventory, "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n");
        var psi = new ProcessStartInfo("ansible-playbook") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
                 {
                     "-i", inventory, Path.Combine(Repo.Root, "tests", "fixtures", "ansible", playbook),
                     "-e", $"api_host=127.0.0.1:{f.Server.HttpsPort}", "-e", $"token_id={tokenId}", "-e", $"token_secret={secret}",
                     "-e", $"vmid={VmId}", "-e", "node=node1", "-e", "target=node2",
                 })
            psi.ArgumentList.Add(a);
        psi.Environment["ANSIBLE_STDOUT_CALLBACK"] = "json";
        psi.Environment["ANSIBLE_HOST_KEY_CHECKING"] = "False";
        psi.Environment["ANSIBLE_LOCAL_TEMP"] = Path.Combine(f.Server.DataDir, "ansible-tmp");
        psi.Environment["ANSIBLE_PYTHON_INTERPRETER"] = "/usr/bin/python3";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var report = JsonNode.Parse(await stdout)!;
        output.WriteLine($"{playbook}: exit {p.ExitCode}; changed: {string.Join(", ", Changed(report))}; failed: {string.Join(" | ", Failed(report))}");
        var err = await stderr;
        if (err.Length > 0) output.WriteLine(err);
        return report;
    }
}
