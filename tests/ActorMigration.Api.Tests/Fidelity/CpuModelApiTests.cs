using System.Net;
using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>The <c>cpu</c> option on the simulated driver: checked as Proxmox checks it and carried to a migration's target.</summary>
public sealed class CpuModelApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private static string? SimCpu(string dataDir, string node, int vmid)
    {
        var file = Path.Combine(dataDir, "run", node, "sim", "vms", $"{vmid}.json");
        return File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file))!["cpu"]?.GetValue<string>() : null;
    }

    [Fact]
    public async Task A_running_vm_keeps_its_cpu_model_on_the_target_of_a_live_migration()
    {
        var vmid = f.NextVmId();
        const string cpu = "Westmere,flags=+aes;-pcid";
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"),
            ("cpu", cpu), ("start", "1")))));
        Assert.Equal(cpu, SimCpu(f.Server.DataDir, "node1", vmid));

        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
        Assert.Equal("OK", await C.Wait(upid));
        Assert.Equal(cpu, SimCpu(f.Server.DataDir, "node2", vmid));
        Assert.Equal(cpu, (await C.Get($"/nodes/node2/qemu/{vmid}/config")).Data!["cpu"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("pentium5", "invalid format - Built-in cputype 'pentium5' is not defined (missing 'custom-' prefix?)\n")]
    [InlineData("qemu64,flags=+avx2",
        "invalid format - VM-specific CPU flags must be a subset of: nested-virt, md-clear, pcid, spec-ctrl, ssbd, ibpb, virt-ssbd, amd-ssbd, " +
            "amd-no-ssb, pdpe1gb, hv-tlbflush, hv-evmcs, aes\n")]
    [InlineData("custom-x", "invalid format - Custom cputype 'x' not found\n")]
    public async Task A_bad_cpu_is_refused_with_proxmoxs_message_and_changes_nothing(string cpu, string message)
    {
        var vmid = f.NextVmId();
        var r = await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"), ("cpu", cpu));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(message, r.Errors!["cpu"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
    }
}
