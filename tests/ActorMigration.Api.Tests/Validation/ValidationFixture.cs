using System.Net;
using System.Text;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>
/// One member shared by the bad-input test classes, with two reference VMs: <see cref="Vm"/> on node1
/// (a disk on local storage and a NIC) and <see cref="OtherVm"/> on node2. Tests that send bad input
/// capture the observable state first and check afterwards that nothing changed.
/// </summary>
public class ValidationFixture : IAsyncLifetime
{
    /// <summary>Settings a derived fixture adds to the member's environment.</summary>
    protected virtual IDictionary<string, string?>? MemberEnvironment => null;

    public const int Vm = 100;
    public const int OtherVm = 200;
    public static readonly string[] Nodes = ["node1", "node2", "node3"];

    public InProcessServer Server { get; private set; } = null!;
    public PveClient Client => Server.Client;
    /// <summary>The client tests use: it reports the content type header verbatim.</summary>
    public WireClient Api { get; private set; } = null!;
    public WireClient Anonymous { get; private set; } = null!;
    private int _nextVmid = 300;

    /// <summary>A vmid for a scratch VM no other test uses (300 and up).</summary>
    public int NextVmId() => Interlocked.Increment(ref _nextVmid);

    /// <summary>Creates a stopped scratch VM on node1 for tests that change a config on purpose.</summary>
    public async Task<int> ScratchVm(params (string, string)[] options)
    {
        var vmid = NextVmId();
        var upid = await Create("node1", vmid, [("memory", "512"), .. options]);
        await Listed("node1", vmid, upid);
        return vmid;
    }

    /// <summary>Tests compare listings: wait until the read model has the VM and its finished create task.</summary>
    private Task Listed(string node, int vmid, string upid) =>
        PveClient.Eventually(async () =>
                (await Client.Get("/cluster/resources", ("type", "vm"))).Body.Contains($"\"vmid\":{vmid},") &&
                (await Client.Get($"/nodes/{node}/tasks", ("vmid", vmid.ToString()))).Body.Contains(upid),
            TimeSpan.FromSeconds(10), $"VM {vmid} and its create task listed");

    public async Task InitializeAsync()
    {
        Server = await InProcessServer.StartAsync(MemberEnvironment);
        Api = new WireClient(Server.Client.Http, Server.Token);
        Anonymous = new WireClient(Server.Client.Http, null);
        var first = await Create("node1", Vm, ("name", "ref"), ("memory", "2048"), ("cores", "2"), ("scsi0", "local:1"), ("net0", "virtio,bridge=vmbr0"));
        var second = await Create("node2", OtherVm, ("memory", "512"));
        await Listed("node1", Vm, first);
        await Listed("node2", OtherVm, second);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    private async Task<string> Create(string node, int vmid, params (string, string)[] options)
    {
        var upid = await Client.Upid(Client.Post($"/nodes/{node}/qemu", [("vmid", vmid.ToString()), .. options]));
        Assert.Equal("OK", await Client.Wait(upid));
        return upid;
    }

    /// <summary>What a refused request must leave alone.</summary>
    public sealed record State(string Configs, string VmList, string Tasks, string Files);

    public async Task<State> Capture()
    {
        var configs = new StringBuilder();
        foreach (var (node, vmid) in new[] { ("node1", Vm), ("node2", OtherVm) })
        {
            var r = await Client.Get($"/nodes/{node}/qemu/{vmid}/config");
            Assert.Equal(HttpStatusCode.OK, r.Status);
            configs.AppendLine(r.Body);
        }
        var vms = (await Client.Get("/cluster/resources", ("type", "vm"))).Data!.AsArray()
            .Select(v => $"{v!["vmid"]}@{v["node"]} {v["name"]} {v["status"]} lock={v["lock"]}")
            .Order(StringComparer.Ordinal);
        var tasks = new StringBuilder();
        foreach (var n in Nodes)
        {
            var t = await Client.Get($"/nodes/{n}/tasks", ("source", "all"), ("limit", "0"));
            tasks.Append(n).Append('=').Append(t.Json!["total"]).Append(';');
        }
        return new State(configs.ToString(), string.Join("\n", vms), tasks.ToString(), Files());
    }

    /// <summary>Every file under the storages (local per node and shared), with its size.</summary>
    public string Files()
    {
        var roots = Nodes.Select(n => Path.Combine(Server.DataDir, "nodes", n, "local")).Append(Path.Combine(Server.DataDir, "shared"));
        var files = roots.Where(Directory.Exists)
            .SelectMany(r => Directory.EnumerateFiles(r, "*", SearchOption.AllDirectories))
            .Select(f => $"{Path.GetRelativePath(Server.DataDir, f)} {new FileInfo(f).Length}")
            .Order(StringComparer.Ordinal);
        return string.Join("\n", files);
    }

    /// <summary>Sends the request and asserts that it changed nothing: configs, VM list, tasks, storage files.</summary>
    public async Task<PveClient.Response> Unchanged(Func<Task<PveClient.Response>> call)
    {
        var before = await Capture();
        var r = await call();
        // The listings come from the read model, which follows the journal every 100 ms.
        await Task.Delay(300);
        var after = await Capture();
        Assert.Equal(before.Configs, after.Configs);
        Assert.Equal(before.VmList, after.VmList);
        Assert.Equal(before.Tasks, after.Tasks);
        Assert.Equal(before.Files, after.Files);
        return r;
    }

    /// <summary>A request with a raw (already encoded) path and query, the token header and any content.</summary>
    public Task<PveClient.Response> Raw(HttpMethod method, string pathAndQuery, HttpContent? content = null, bool expectContinue = false) =>
        Api.Send(method, pathAndQuery, [], null, content, expectContinue: expectContinue);
}

/// <summary>Schema, config and auth tests share one member.</summary>
[CollectionDefinition(Name)]
public sealed class ValidationCollection : ICollectionFixture<ValidationFixture>
{
    public const string Name = "validation";
}

/// <summary>Body and refusal tests share a second member, so the two halves run in parallel.</summary>
[CollectionDefinition(Name)]
public sealed class RequestValidationCollection : ICollectionFixture<ValidationFixture>
{
    public const string Name = "validation-requests";
}
