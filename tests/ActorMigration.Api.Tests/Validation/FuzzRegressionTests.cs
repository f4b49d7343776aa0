using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>Inputs the fuzzing pass (bench fuzz) found accepted that Proxmox refuses; each must be refused and change nothing.</summary>
[Collection(RequestValidationCollection.Name)]
public sealed class FuzzRegressionTests(ValidationFixture f)
{
    private const int Vm = ValidationFixture.Vm;

    [Theory]
    [InlineData("start", "nosuch")]
    [InlineData("start", "pc-q35-\u0661\u0660.\u0660")]
    [InlineData("shutdown", "pc-q35-\u0661\u0660.\u0660")]
    [InlineData("stop", "q35\n")]
    public async Task A_machine_type_outside_the_pattern_is_refused(string action, string machine)
    {
        var r = await f.Unchanged(() => f.Api.Post($"/nodes/node1/qemu/{Vm}/status/{action}", ("machine", machine)));
        Expect.ParamErrors(r);
    }

    [Fact]
    public async Task The_snapshot_index_of_a_missing_vm_or_node_is_refused()
    {
        var missing = await f.Api.Get("/nodes/node1/qemu/555/snapshot/s1");
        Expect.Refused(missing, "Configuration file 'nodes/node1/qemu-server/555.conf' does not exist");
        var otherNode = await f.Api.Get($"/nodes/node2/qemu/{Vm}/snapshot/s1");
        Expect.Refused(otherNode, $"Configuration file 'nodes/node2/qemu-server/{Vm}.conf' does not exist");
        var unknownNode = await f.Api.Get($"/nodes/{new string('n', 300)}/qemu/{Vm}/snapshot/s1");
        Expect.Refused(unknownNode, $"no such cluster node '{new string('n', 300)}'");
    }
}
