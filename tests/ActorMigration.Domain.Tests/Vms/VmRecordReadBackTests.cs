using System.Collections.Immutable;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Tests.Vms;

/// <summary>
/// Every config the VM record stores reads back (the decider's one gate), and a record that was stored damaged
/// anyway (older code, a corrupted journal) stays readable, editable and destroyable.
/// </summary>
public class VmRecordReadBackTests
{
    private const string Upid = "UPID:node1:00001234:00005678:66F1C2D3:qmigrate:100:root@pam:";
    private const string Good = "cores: 2\nmemory: 512\nname: web\n";
    // What PUT cpulimit=\n5 used to persist.
    private const string Damaged = "cores: 2\ncpulimit: \n5\nmemory: 512\nname: web\n";

    private static VmState Created() => Apply(VmState.Empty(100), VmDecider.Decide(VmState.Empty(100), new CreateVm(100, "node1", Good)).Events);

    private static VmState Stored(string text) =>
        new(100, true, "node1", text, null, ImmutableSortedSet<int>.Empty);

    private static VmState Apply(VmState s, IReadOnlyList<IVmEvent> events) => events.Aggregate(s, VmDecider.Apply);

    private static Dictionary<string, string> Set(string k, string v) => new() { [k] = v };

    private static VmState Ok(VmState s, IVmCommand c)
    {
        var (events, error) = VmDecider.Decide(s, c);
        Assert.Null(error);
        return Apply(s, events);
    }

    private static string Refused(VmState s, IVmCommand c)
    {
        var (events, error) = VmDecider.Decide(s, c);
        Assert.Empty(events);
        return Assert.IsType<string>(error);
    }

    [Theory]
    [InlineData("cpulimit", "\n5")]
    [InlineData("cpulimit", " \r\n5")]
    [InlineData("cores", "4\nlock: migrate")]
    public void An_edit_whose_config_would_not_read_back_is_refused_and_stores_nothing(string key, string value)
    {
        var s = Created();
        Assert.Equal($"detected invalid newline inside property '{key}'", Refused(s, new EditVmConfig(100, "node1", Set(key, value), [])));
    }

    [Fact]
    public void An_edit_with_a_value_the_parser_would_trim_is_refused()
    {
        Assert.Equal("unable to write config - value of 'cpulimit' does not read back as written",
            Refused(Created(), new EditVmConfig(100, "node1", Set("cpulimit", " 5"), [])));
    }

    [Fact]
    public void Create_replace_move_and_lock_go_through_the_same_gate()
    {
        var s = Created();
        Assert.Equal("detected invalid newline inside property 'lock'",
            Refused(VmState.Empty(101), new CreateVm(101, "node1", Good, "clone\ncores: 9", Upid)));
        Assert.Equal("detected invalid newline inside property 'lock'",
            Refused(s, new AcquireVmLock(100, "migrate\ncores: 9", Upid)));
        var locked = Ok(s, new AcquireVmLock(100, "migrate", Upid));
        // Texts that do not parse strictly are refused instead of throwing inside the actor.
        Assert.Equal("vm config - unable to parse line 2: 5", Refused(locked, new ReplaceVmConfig(100, "cpulimit: \n5\n", Upid)));
        Assert.Equal("vm config - unable to parse line 2: 5", Refused(locked, new MoveVmOwner(100, "node1", "node2", "cpulimit: \n5\n", Upid)));
        Assert.Equal("vm config - unable to parse line 1: 5", Refused(VmState.Empty(101), new CreateVm(101, "node1", "5\n")));
    }

    [Fact]
    public void Create_stores_the_printed_text()
    {
        var s = Ok(VmState.Empty(100), new CreateVm(100, "node1", "name: web\r\ncores: 2\n\n"));
        Assert.Equal("cores: 2\nname: web\n", s.ConfigText);
    }

    [Fact]
    public void A_damaged_stored_config_is_read_leniently_and_says_what_it_skipped()
    {
        var s = Stored(Damaged);
        Assert.Equal("web", s.Config["name"]);
        Assert.Equal("vm config - unable to parse line 3: 5", s.Error);
        var snap = s.ToView();
        Assert.Equal(s.Error, snap.Error);
        Assert.Equal(Damaged, snap.ConfigText);
        Assert.Null(Created().Error);
    }

    [Fact]
    public void A_damaged_config_is_repaired_by_setting_the_key_or_deleting_it()
    {
        var set = Ok(Stored(Damaged), new EditVmConfig(100, "node1", Set("cpulimit", "5"), [], VmState.DigestOf(Damaged)));
        Assert.Equal("cores: 2\ncpulimit: 5\nmemory: 512\nname: web\n", set.ConfigText);
        Assert.Null(set.Error);

        var deleted = Ok(Stored(Damaged), new EditVmConfig(100, "node1", new Dictionary<string, string>(), ["cpulimit"]));
        Assert.Equal(Good, deleted.ConfigText);
        Assert.Null(deleted.Error);
    }

    [Fact]
    public void A_damaged_config_can_be_locked_unlocked_and_destroyed()
    {
        var locked = Ok(Stored(Damaged), new AcquireVmLock(100, "destroyed", Upid, "node1"));
        Assert.Equal("destroyed", locked.Lock);
        var unlocked = Ok(locked, new ReleaseVmLock(100, Upid));
        Assert.Null(unlocked.Lock);
        var gone = Ok(Stored(Damaged), new DestroyVm(100, "node1"));
        Assert.False(gone.Exists);
    }

    [Fact]
    public void An_unreadable_event_marks_the_record_until_a_whole_config_is_written_again()
    {
        var s = VmDecider.Unreadable(Created(), 3, "vm.config");
        Assert.True(s.Exists);
        Assert.Equal("node1", s.Node);
        Assert.Equal("record event 3 (vm.config) is unreadable; the VM's state after it is unknown", s.Error);
        Assert.Equal(s.Error, s.ToView().Error);

        // Writing the config, even unchanged, is the repair: it states the config anew.
        var repaired = Ok(s, new EditVmConfig(100, "node1", Set("cores", "2"), []));
        Assert.Null(repaired.Error);
        Assert.Equal(Good, repaired.ConfigText);

        Assert.False(Ok(s, new DestroyVm(100, "node1")).Exists);
    }

    [Fact]
    public void An_unreadable_first_event_leaves_a_record_without_a_known_node()
    {
        var s = VmDecider.Unreadable(VmState.Empty(100), 1, "vm.created");
        Assert.True(s.Exists);
        Assert.Null(s.Node);
        Assert.NotNull(s.Error);
    }
}
