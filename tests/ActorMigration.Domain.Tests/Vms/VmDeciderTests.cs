using System.Security.Cryptography;
using System.Text;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Tests.Vms;

public class VmDeciderTests
{
    private const string Config =
        "boot: order=scsi0\ncores: 2\nmemory: 2048\nname: web01\nnet0: virtio=BC:24:11:5A:3C:01,bridge=vmbr0\nscsi0: local:100/vm-100-disk-0.qcow2,size=32G\n";

    private const string Upid = "UPID:node1:00001234:00005678:66F1C2D3:qmigrate:100:root@pam:";

    internal static (VmState S, IReadOnlyList<IVmEvent> Events, string? Error) Do(VmState s, IVmCommand cmd)
    {
        var (events, error) = VmDecider.Decide(s, cmd);
        if (error is not null) Assert.Empty(events);
        return (events.Aggregate(s, VmDecider.Apply), events, error);
    }

    private static VmState Ok(VmState s, IVmCommand cmd)
    {
        var (next, _, error) = Do(s, cmd);
        Assert.Null(error);
        return next;
    }

    private static string Refused(VmState s, IVmCommand cmd)
    {
        var (next, events, error) = Do(s, cmd);
        Assert.NotNull(error);
        Assert.Empty(events);
        Assert.Equal(s, next);
        return error!;
    }

    private static VmState Created(string node = "node1", string config = Config) =>
        Ok(VmState.Empty(100), new CreateVm(100, node, config));

    private static string Sha1(string text) =>
        Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    [Fact]
    public void Create_records_node_config_and_digest()
    {
        var (s, events, error) = Do(VmState.Empty(100), new CreateVm(100, "node1", Config));
        Assert.Null(error);
        Assert.Equal([new VmCreated(100, "node1", Config)], events);
        Assert.True(s.Exists);
        Assert.Equal("node1", s.Node);
        Assert.Equal(Config, s.ConfigText);
        Assert.Null(s.Lock);
        Assert.Null(s.LockOwner);
        Assert.Equal(Sha1(Config), s.Digest);
        Assert.Equal("web01", s.Config["name"]);
    }

    [Fact]
    public void Digest_is_the_lowercase_sha1_of_the_file()
    {
        Assert.Equal("a9993e364706816aba3e25717850c26c9cd0d89d", VmState.DigestOf("abc"));
        Assert.Equal("da39a3ee5e6b4b0d3255bfef95601890afd80709", VmState.DigestOf(""));
    }

    [Fact]
    public void Create_locked_puts_the_lock_into_the_config()
    {
        var (s, events, _) = Do(VmState.Empty(101), new CreateVm(101, "node2", "cores: 1\nname: clone\n", "clone", Upid));
        Assert.Equal(2, events.Count);
        Assert.Equal(new VmLocked(101, "clone", Upid), events[1]);
        Assert.Equal("clone", s.Lock);
        Assert.Equal(Upid, s.LockOwner);
        Assert.Equal("cores: 1\nlock: clone\nname: clone\n", s.ConfigText);
    }

    [Fact]
    public void Create_refuses_an_existing_vm_in_proxmox_words()
    {
        var s = Created("node1");
        Assert.Equal("unable to create VM 100 - VM 100 already exists on node 'node1'", Refused(s, new CreateVm(100, "node2", Config)));
    }

    [Fact]
    public void Create_refuses_an_unparseable_config()
    {
        Assert.Equal("vm config - unable to parse line 2: garbage line",
            Refused(VmState.Empty(100), new CreateVm(100, "node1", "cores: 1\ngarbage line\n")));
    }

    [Fact]
    public void Get_is_a_query()
    {
        var s = Created();
        var (next, events, error) = Do(s, new GetVm(100));
        Assert.Empty(events);
        Assert.Null(error);
        Assert.Same(s, next);
    }

    [Fact]
    public void Lock_is_visible_in_the_config_text_and_idempotent_for_its_owner()
    {
        var s = Created();
        var (locked, events, _) = Do(s, new AcquireVmLock(100, "migrate", Upid, "node1"));
        Assert.Equal([new VmLocked(100, "migrate", Upid)], events);
        Assert.Equal(
            "boot: order=scsi0\ncores: 2\nlock: migrate\nmemory: 2048\nname: web01\nnet0: virtio=BC:24:11:5A:3C:01,bridge=vmbr0\nscsi0: " +
                "local:100/vm-100-disk-0.qcow2,size=32G\n",
            locked.ConfigText);
        Assert.Equal("migrate", locked.Lock);
        Assert.Equal(Upid, locked.LockOwner);
        Assert.NotEqual(s.Digest, locked.Digest);

        var (again, events2, error2) = Do(locked, new AcquireVmLock(100, "migrate", Upid, "node1"));
        Assert.Null(error2);
        Assert.Empty(events2);
        Assert.Equal(locked, again);
    }

    [Fact]
    public void Lock_held_by_another_owner_is_refused()
    {
        var s = Ok(Created(), new AcquireVmLock(100, "migrate", Upid));
        Assert.Equal("VM is locked (migrate)", Refused(s, new AcquireVmLock(100, "backup", "other")));
        Assert.Equal("VM is locked (migrate)", Refused(s, new AcquireVmLock(100, "migrate", "other")));
        // the same owner asking for another lock name
        Assert.Equal("VM is locked (migrate)", Refused(s, new AcquireVmLock(100, "clone", Upid)));
    }

    [Fact]
    public void Lock_written_in_the_config_without_owner_blocks_everyone()
    {
        var s = Created(config: "cores: 1\nlock: backup\n");
        Assert.Equal("backup", s.Lock);
        Assert.Null(s.LockOwner);
        Assert.Equal("VM is locked (backup)", Refused(s, new AcquireVmLock(100, "migrate", Upid)));
        var (same, events, _) = Do(s, new ReleaseVmLock(100, Upid));
        Assert.Empty(events);
        Assert.Equal("backup", same.Lock);
    }

    [Fact]
    public void Lock_on_the_wrong_node_or_a_missing_vm_is_refused()
    {
        var s = Created("node1");
        Assert.Equal("Configuration file 'nodes/node2/qemu-server/100.conf' does not exist",
            Refused(s, new AcquireVmLock(100, "migrate", Upid, "node2")));
        Assert.Equal("Configuration file 'nodes/node3/qemu-server/100.conf' does not exist",
            Refused(VmState.Empty(100), new AcquireVmLock(100, "migrate", Upid, "node3")));
        Assert.Equal("Configuration file 'nodes/localhost/qemu-server/100.conf' does not exist",
            Refused(VmState.Empty(100), new AcquireVmLock(100, "migrate", Upid)));
    }

    [Fact]
    public void Release_by_the_owner_unlocks_and_is_idempotent()
    {
        var locked = Ok(Created(), new AcquireVmLock(100, "migrate", Upid));
        var (byOther, e1, err1) = Do(locked, new ReleaseVmLock(100, "someone-else"));
        Assert.Null(err1);
        Assert.Empty(e1);
        Assert.Equal("migrate", byOther.Lock);

        var (unlocked, e2, _) = Do(locked, new ReleaseVmLock(100, Upid));
        Assert.Equal([new VmUnlocked(100, Upid)], e2);
        Assert.Null(unlocked.Lock);
        Assert.Null(unlocked.LockOwner);
        Assert.Equal(Config, unlocked.ConfigText);

        var (_, e3, err3) = Do(unlocked, new ReleaseVmLock(100, Upid));
        Assert.Null(err3);
        Assert.Empty(e3);
        Assert.Empty(Do(VmState.Empty(100), new ReleaseVmLock(100, Upid)).Events);
    }

    [Fact]
    public void Edit_sets_and_deletes_options()
    {
        var s = Created();
        var (next, events, error) = Do(s, new EditVmConfig(100, "node1",
            new Dictionary<string, string> { ["cores"] = "4", ["agent"] = "1" }, ["boot", "net0"], s.Digest));
        Assert.Null(error);
        Assert.Single(events);
        Assert.Equal("agent: 1\ncores: 4\nmemory: 2048\nname: web01\nscsi0: local:100/vm-100-disk-0.qcow2,size=32G\n", next.ConfigText);
    }

    [Fact]
    public void Edit_that_changes_nothing_emits_nothing()
    {
        var s = Created();
        var (_, events, error) = Do(s, new EditVmConfig(100, "node1", new Dictionary<string, string> { ["cores"] = "2" }, ["nonexistent"]));
        Assert.Null(error);
        Assert.Empty(events);
    }

    [Fact]
    public void Edit_with_a_stale_digest_is_refused()
    {
        var s = Created();
        var stale = s.Digest;
        s = Ok(s, new EditVmConfig(100, "node1", new Dictionary<string, string> { ["memory"] = "4096" }, []));
        Assert.Equal("checksum mismatch (file change by other user?)",
            Refused(s, new EditVmConfig(100, "node1", new Dictionary<string, string> { ["cores"] = "8" }, [], stale)));
        // the current digest passes, in any case
        Ok(s, new EditVmConfig(100, "node1", new Dictionary<string, string> { ["cores"] = "8" }, [], s.Digest.ToUpperInvariant()));
    }

    [Fact]
    public void Edit_of_a_locked_vm_needs_the_owner_or_skiplock()
    {
        var s = Ok(Created(), new AcquireVmLock(100, "migrate", Upid));
        var set = new Dictionary<string, string> { ["cores"] = "4" };
        Assert.Equal("VM is locked (migrate)", Refused(s, new EditVmConfig(100, "node1", set, [])));
        Assert.Equal("VM is locked (migrate)", Refused(s, new EditVmConfig(100, "node1", set, [], Owner: "other")));
        Assert.Equal("4", Ok(s, new EditVmConfig(100, "node1", set, [], Owner: Upid)).Config["cores"]);
        var skipped = Ok(s, new EditVmConfig(100, "node1", set, [], SkipLock: true));
        Assert.Equal("4", skipped.Config["cores"]);
        Assert.Equal("migrate", skipped.Lock);
    }

    [Fact]
    public void Edit_on_another_node_or_a_missing_vm_is_refused()
    {
        var set = new Dictionary<string, string> { ["cores"] = "4" };
        Assert.Equal("Configuration file 'nodes/node2/qemu-server/100.conf' does not exist",
            Refused(Created("node1"), new EditVmConfig(100, "node2", set, [])));
        Assert.Equal("Configuration file 'nodes/node1/qemu-server/100.conf' does not exist",
            Refused(VmState.Empty(100), new EditVmConfig(100, "node1", set, [])));
    }

    [Fact]
    public void Replace_is_for_the_lock_owner_and_keeps_the_lock()
    {
        var s = Ok(Created(), new AcquireVmLock(100, "clone", Upid));
        var next = Ok(s, new ReplaceVmConfig(100, "cores: 8\nname: renamed\n", Upid));
        Assert.Equal("cores: 8\nlock: clone\nname: renamed\n", next.ConfigText);
        Assert.Equal("clone", next.Lock);

        Assert.Equal("VM is locked (clone)", Refused(s, new ReplaceVmConfig(100, "cores: 8\n", "other")));
        Assert.Equal("VM is not locked", Refused(Created(), new ReplaceVmConfig(100, "cores: 8\n", Upid)));
        Assert.Equal("VM 100 does not exist", Refused(VmState.Empty(100), new ReplaceVmConfig(100, "cores: 8\n", Upid)));
        Assert.StartsWith("vm config - unable to parse line 1:", Refused(s, new ReplaceVmConfig(100, "%%%\n", Upid)));
    }

    [Fact]
    public void Replace_with_the_same_text_emits_nothing()
    {
        var s = Ok(Created(), new AcquireVmLock(100, "clone", Upid));
        Assert.Empty(Do(s, new ReplaceVmConfig(100, s.ConfigText, Upid)).Events);
    }

    [Fact]
    public void Owner_move_is_the_point_of_no_return_and_idempotent()
    {
        var s = Ok(Created("node1"), new AcquireVmLock(100, "migrate", Upid, "node1"));
        const string newConfig = "cores: 2\nname: web01\nscsi0: fast:100/vm-100-disk-0.qcow2,size=32G\n";
        var (moved, events, error) = Do(s, new MoveVmOwner(100, "node1", "node2", newConfig, Upid));
        Assert.Null(error);
        Assert.Equal([new VmOwnerMoved(100, "node1", "node2", "cores: 2\nlock: migrate\nname: web01\nscsi0: fast:100/vm-100-disk-0.qcow2,size=32G\n")], events);
        Assert.Equal("node2", moved.Node);
        Assert.Equal("migrate", moved.Lock);
        Assert.Equal(Upid, moved.LockOwner);
        Assert.Equal("fast:100/vm-100-disk-0.qcow2,size=32G", moved.Config["scsi0"]);

        // a retried move (e.g. the reply was lost) changes nothing
        var (again, events2, error2) = Do(moved, new MoveVmOwner(100, "node1", "node2", newConfig, Upid));
        Assert.Null(error2);
        Assert.Empty(events2);
        Assert.Equal(moved, again);

        // unlocking afterwards leaves the VM on node2 without lock
        var done = Ok(moved, new ReleaseVmLock(100, Upid));
        Assert.Equal(("node2", null), (done.Node, done.Lock));
        Assert.DoesNotContain("lock:", done.ConfigText);
    }

    [Fact]
    public void Owner_move_needs_the_lock_and_the_right_source()
    {
        var unlocked = Created("node1");
        Assert.Equal("VM is not locked", Refused(unlocked, new MoveVmOwner(100, "node1", "node2", Config, Upid)));
        var locked = Ok(unlocked, new AcquireVmLock(100, "migrate", Upid));
        Assert.Equal("VM is locked (migrate)", Refused(locked, new MoveVmOwner(100, "node1", "node2", Config, "other")));
        Assert.Equal("Configuration file 'nodes/node3/qemu-server/100.conf' does not exist",
            Refused(locked, new MoveVmOwner(100, "node3", "node2", Config, Upid)));
        Assert.Equal("VM 100 does not exist", Refused(VmState.Empty(100), new MoveVmOwner(100, "node1", "node2", Config, Upid)));
    }

    [Fact]
    public void Destroy_is_refused_while_linked_clones_exist()
    {
        var t = Ok(VmState.Empty(9000), new CreateVm(9000, "node1", "name: tpl\ntemplate: 1\n"));
        t = Ok(t, new AddLinkedClone(9000, 102));
        t = Ok(t, new AddLinkedClone(9000, 101));
        Assert.Empty(Do(t, new AddLinkedClone(9000, 101)).Events);
        Assert.Equal([101, 102], t.LinkedClones);

        var error = Refused(t, new DestroyVm(9000, "node1"));
        Assert.Contains("linked clone", error);
        Assert.Contains("101, 102", error);

        t = Ok(t, new RemoveLinkedClone(9000, 101));
        Assert.Empty(Do(t, new RemoveLinkedClone(9000, 101)).Events);
        Assert.Contains("102", Refused(t, new DestroyVm(9000, "node1")));
        t = Ok(t, new RemoveLinkedClone(9000, 102));

        var (gone, events, _) = Do(t, new DestroyVm(9000, "node1"));
        Assert.Equal([new VmDestroyed(9000, "node1")], events);
        Assert.Equal(VmState.Empty(9000).Exists, gone.Exists);
        Assert.False(gone.Exists);
        Assert.Null(gone.Node);
        Assert.Equal("", gone.ConfigText);
        Assert.Null(gone.Lock);
    }

    [Fact]
    public void Destroy_checks_node_and_lock_and_is_idempotent_for_a_workflow()
    {
        var s = Ok(Created("node1"), new AcquireVmLock(100, "create", Upid));
        Assert.Equal("VM is locked (create)", Refused(s, new DestroyVm(100, "node1")));
        Assert.Equal("Configuration file 'nodes/node2/qemu-server/100.conf' does not exist", Refused(s, new DestroyVm(100, "node2", Upid)));
        var gone = Ok(s, new DestroyVm(100, "node1", Upid));
        Assert.False(gone.Exists);
        Assert.Empty(Do(gone, new DestroyVm(100, "node1", Upid)).Events);
        Assert.Null(Do(gone, new DestroyVm(100, "node1", Upid)).Error);
        Assert.Equal("Configuration file 'nodes/node1/qemu-server/100.conf' does not exist", Refused(gone, new DestroyVm(100, "node1")));
    }

    [Fact]
    public void Linked_clone_of_a_missing_vm_is_refused()
    {
        Assert.Equal("VM 9000 does not exist", Refused(VmState.Empty(9000), new AddLinkedClone(9000, 101)));
    }

    [Fact]
    public void Recreate_after_destroy_starts_clean()
    {
        var s = Ok(Ok(Created(), new AddLinkedClone(100, 5)), new RemoveLinkedClone(100, 5));
        s = Ok(s, new DestroyVm(100, "node1"));
        s = Ok(s, new CreateVm(100, "node3", "cores: 1\n"));
        Assert.Equal("node3", s.Node);
        Assert.Empty(s.LinkedClones);
        Assert.Null(s.LockOwner);
    }

    [Fact]
    public void Snapshot_reflects_the_state()
    {
        var s = Ok(Ok(Created(), new AcquireVmLock(100, "migrate", Upid)), new AddLinkedClone(100, 7));
        var snap = s.ToView();
        Assert.Equal(100, snap.VmId);
        Assert.True(snap.Exists);
        Assert.Equal("node1", snap.Node);
        Assert.Equal(s.ConfigText, snap.ConfigText);
        Assert.Equal("migrate", snap.Lock);
        Assert.Equal(Upid, snap.LockOwner);
        Assert.Equal([7], snap.LinkedClones);
        Assert.Equal(Sha1(s.ConfigText), snap.Digest);
        Assert.Null(VmState.Empty(5).ToView().Lock);
    }

    [Fact]
    public void Editing_a_multi_line_description_keeps_the_config_parseable()
    {
        // Proxmox writes the description as '#' comment lines (encode_text). The decider sets it as a key,
        // so "description: line one\nhostpci0: ..." lands in the file verbatim: the second line is parsed as
        // a real option (config injection) and e.g. "a\nb" makes the file unparseable.
        var s = Created();
        var (next, _, error) = Do(s, new EditVmConfig(100, "node1",
            new Dictionary<string, string> { ["description"] = "line one\nhostpci0: 0000:01:00.0" }, [], s.Digest));
        Assert.Null(error);
        Assert.True(QmConfig.TryParse(next.ConfigText, out var cfg, out var perr), perr);
        Assert.Null(cfg!["hostpci0"]);
        Assert.Equal("line one\nhostpci0: 0000:01:00.0", cfg.Main.Description);
        Assert.StartsWith("#line one\n#hostpci0%3A 0000%3A01%3A00.0\n", next.ConfigText);
    }

    [Fact]
    public void Deleting_the_description_removes_its_comment_lines()
    {
        var s = Ok(Created(), new EditVmConfig(100, "node1", new Dictionary<string, string> { ["description"] = "a\nb" }, []));
        Assert.StartsWith("#a\n#b\n", s.ConfigText);
        var after = Ok(s, new EditVmConfig(100, "node1", new Dictionary<string, string>(), ["description"]));
        Assert.DoesNotContain("#", after.ConfigText);
        Assert.Null(after.Config.Main.Description);
    }
}
