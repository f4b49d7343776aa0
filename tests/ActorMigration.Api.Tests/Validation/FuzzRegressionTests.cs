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

    [Theory]
    [InlineData("scsi0", "local:0,import-from=local:import/symdir/disk.raw")]
    [InlineData("ide2", "none,media=cdrom")]
    public async Task A_drive_given_with_an_archive_is_refused(string drive, string value)
    {
        // The restore took its disks from the archive and ignored the drive (an import-from was never checked).
        var r = await f.Unchanged(() => f.Api.Post("/nodes/node1/qemu", ("vmid", "598"), (drive, value),
            ("archive", "local:backup/vzdump-qemu-101-2020_01_01-00_00_00.tar")));
        Expect.ParamError(r, drive, "option conflicts with option 'archive'");
    }

    [Theory]
    [InlineData("vga", " qxl")]
    [InlineData("agent", "1 ")] // cpu has its own format now (CpuModel.Check), so a free-form option stands in
    [InlineData("args", "-no-reboot\t")]
    public async Task A_config_value_with_whitespace_around_it_is_refused_before_any_task(string key, string value)
    {
        // Stored as a config line it would read back trimmed; the async update used to fail only inside its task.
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Post })
        {
            var r = await f.Unchanged(() => f.Api.Send(method, $"/nodes/node1/qemu/{Vm}/config", [], [(key, value)]));
            Expect.ParamError(r, key, "value must not begin or end with whitespace");
        }
    }

    [Fact]
    public async Task A_refusal_quoting_a_huge_value_keeps_its_status_line_short()
    {
        var target = new string('n', 70_000);
        var r = await f.Unchanged(() => f.Api.Post($"/nodes/node1/qemu/{Vm}/clone", ("newid", "990"), ("target", target)));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, r.Status);
        Assert.True(r.Reason!.Length <= 512, $"reason of {r.Reason.Length} characters");
        Assert.EndsWith("...", r.Reason);
        Assert.Equal($"no such cluster node '{target}'\n", r.Message);
    }
}
