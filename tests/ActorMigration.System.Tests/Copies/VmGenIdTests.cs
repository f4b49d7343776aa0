
namespace ActorMigration.SystemTests.Copies;

/// <summary>VM Generation ID: in the config, and in the running QEMU (vmgenid device, query-vm-generation-id).</summary>
[Collection(Collections.Qemu)]
public sealed class VmGenIdTests(QemuMemberFixture f)
{
    private PveClient C => f.Client;

    private static void AssertUuid(string? v) => Assert.True(Guid.TryParse(v, out var g) && g != Guid.Empty && v!.Length == 36, $"'{v}' is no UUID");

    [Fact]
    public async Task Config_rules_create_new_explicit_disabled_and_deleted()
    {
        var root = await f.Member.RootSessionAsync();
        var a = f.NextVmId();
        await root.CreateVm(a);
        var created = (await root.Config(a)).Str("vmgenid");
        AssertUuid(created);

        Assert.Equal(System.Net.HttpStatusCode.OK, (await root.Put($"/nodes/node1/qemu/{a}/config", ("vmgenid", "1"))).Status);
        var renewed = (await root.Config(a)).Str("vmgenid");
        AssertUuid(renewed);
        Assert.NotEqual(created, renewed);

        const string explicitId = "3f2c6e1a-9b7d-4c55-8e21-0a1b2c3d4e5f";
        await root.Put($"/nodes/node1/qemu/{a}/config", ("vmgenid", explicitId));
        Assert.Equal(explicitId, (await root.Config(a)).Str("vmgenid"));

        await root.Put($"/nodes/node1/qemu/{a}/config", ("delete", "vmgenid"));
        Assert.Null((await root.Config(a))["vmgenid"]);

        var b = f.NextVmId();
        await root.CreateVm(b, ("vmgenid", explicitId));
        Assert.Equal(explicitId, (await root.Config(b)).Str("vmgenid"));
        var c = f.NextVmId();
        await root.CreateVm(c, ("vmgenid", "0"));
        Assert.Equal("0", (await root.Config(c)).Str("vmgenid"));
    }

    [Fact]
    public async Task Running_qemu_exposes_the_configured_id_and_none_when_disabled()
    {
        var root = await f.Member.RootSessionAsync();
        var on = f.NextVmId();
        var off = f.NextVmId();
        var gone = f.NextVmId();
        await root.CreateVm(on, ("memory", "64"));
        await root.CreateVm(off, ("memory", "64"), ("vmgenid", "0"));
        await root.CreateVm(gone, ("memory", "64"));
        await root.Put($"/nodes/node1/qemu/{gone}/config", ("delete", "vmgenid"));
        try
        {
            foreach (var vm in new[] { on, off, gone }) await root.Start(vm);

            var cfg = await root.Config(on);
            var cur = await root.Current(on);
            Assert.Equal("running", cur.Str("status"));
            Assert.Equal(cfg.Str("vmgenid"), cur.Str("running-vmgenid"));
            Assert.Contains($"vmgenid,guid={cfg.Str("vmgenid")}", QemuHost.QemuCommandLine(f.DataDir, "node1", on));

            foreach (var vm in new[] { off, gone })
            {
                var c = await root.Current(vm);
                Assert.Equal("running", c.Str("status"));
                Assert.Null(c["running-vmgenid"]);
                var cmd = QemuHost.QemuCommandLine(f.DataDir, "node1", vm);
                Assert.NotNull(cmd);
                Assert.DoesNotContain("vmgenid", cmd);
            }
        }
        finally
        {
            foreach (var vm in new[] { on, off, gone }) await root.Stop(vm);
        }
    }

    /// <summary>
    /// proxmoxer's finding: vmgenid=1 (and memory) on a running VM stay pending, the running QEMU keeps its values,
    /// name is applied at once; after stop and start QEMU runs with the pending values (vm_start's apply_pending).
    /// </summary>
    [Fact]
    public async Task A_running_vms_pending_vmgenid_and_memory_are_applied_at_the_next_start()
    {
        var root = await f.Member.RootSessionAsync();
        var vmid = f.NextVmId();
        await root.CreateVm(vmid, ("memory", "64"));
        await root.Start(vmid);
        try
        {
            var before = (await root.Config(vmid)).Str("vmgenid");
            Assert.Equal(System.Net.HttpStatusCode.OK,
                (await root.Put($"/nodes/node1/qemu/{vmid}/config", ("vmgenid", "1"), ("memory", "96"), ("name", "pending-test"))).Status);
            var current = await root.Get($"/nodes/node1/qemu/{vmid}/config", ("current", "1"));
            Assert.Equal(before, current.Data!["vmgenid"]!.GetValue<string>());
            Assert.Equal("pending-test", current.Data!["name"]!.GetValue<string>());
            var next = (await root.Config(vmid)).Str("vmgenid");
            AssertUuid(next);
            Assert.NotEqual(before, next);
            Assert.Equal(before, (await root.Current(vmid)).Str("running-vmgenid"));
            Assert.Contains("-m\n64\n", QemuHost.QemuCommandLine(f.DataDir, "node1", vmid)!.Replace(' ', '\n') + "\n");

            await root.Stop(vmid);
            await root.Start(vmid);
            Assert.Equal(next, (await root.Current(vmid)).Str("running-vmgenid"));
            var cmd = QemuHost.QemuCommandLine(f.DataDir, "node1", vmid)!;
            Assert.Contains($"vmgenid,guid={next}", cmd);
            Assert.Contains("-m\n96\n", cmd.Replace(' ', '\n') + "\n");
            Assert.Null((await root.Get($"/nodes/node1/qemu/{vmid}/pending")).Data!.AsArray().FirstOrDefault(i => i!["pending"] is not null));
        }
        finally
        {
            await root.Stop(vmid);
        }
    }

    [Fact]
    public async Task Rollback_with_start_runs_the_vm_with_the_new_generation()
    {
        var vm = f.NextVmId();
        await C.CreateVm(vm, ("memory", "64"), ("scsi0", "local:1"));
        await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot", ("snapname", "snap")));
        var before = (await C.Config(vm)).Str("vmgenid");
        await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot/snap/rollback", ("start", "1")));
        try
        {
            var cfg = await C.Config(vm);
            Assert.NotEqual(before, cfg.Str("vmgenid"));
            Assert.Null(cfg["lock"]);
            var cur = await C.Current(vm);
            Assert.Equal("running", cur.Str("status"));
            Assert.Equal(cfg.Str("vmgenid"), cur.Str("running-vmgenid"));
        }
        finally
        {
            await C.Stop(vm);
        }
    }

    [Fact]
    public async Task Rollback_restore_and_clone_each_give_a_new_generation()
    {
        var vm = f.NextVmId();
        await C.CreateVm(vm, ("scsi0", "local:1"), ("net0", "virtio"));
        var original = (await C.Config(vm)).Str("vmgenid");
        await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot", ("snapname", "gen")));
        Assert.Equal(original, (await C.Config(vm)).Str("vmgenid"));

        await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot/gen/rollback"));
        var afterRollback = (await C.Config(vm)).Str("vmgenid");
        AssertUuid(afterRollback);
        Assert.NotEqual(original, afterRollback);
        await C.Task(C.Delete($"/nodes/node1/qemu/{vm}/snapshot/gen"));

        var log = await C.Task(C.Post("/nodes/node1/vzdump", ("vmid", vm.ToString()), ("storage", "shared")));
        var archive = log.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"creating vzdump archive '([^']+)'"))
            .First(m => m.Success).Groups[1].Value;
        var restored = f.NextVmId();
        await C.Task(C.Post("/nodes/node1/qemu", ("vmid", restored.ToString()), ("archive", archive)));
        var r = (await C.Config(restored)).Str("vmgenid");
        AssertUuid(r);
        Assert.NotEqual(afterRollback, r);

        var clone = f.NextVmId();
        await C.Clone(vm, clone, ("full", "1"));
        var c = (await C.Config(clone)).Str("vmgenid");
        AssertUuid(c);
        Assert.DoesNotContain(c, new[] { original, afterRollback, r });
        Assert.Equal(afterRollback, (await C.Config(vm)).Str("vmgenid"));
    }
}
