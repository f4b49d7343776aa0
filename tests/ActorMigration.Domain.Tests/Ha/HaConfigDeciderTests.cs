using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>HA resources and groups: Proxmox's refusals change nothing; updates, deletes and digests.</summary>
public sealed class HaConfigDeciderTests
{
    private static HaResource Vm(int id, string? group = null) => new(HaSid.OfVm(id), null, null, null, group, null);

    private static HaGroup Group(string name, params HaGroupNode[] nodes) => new(name, nodes, null, null, null);

    private static HaConfigState Run(HaConfigState s, params IHaConfigCommand[] commands)
    {
        foreach (var c in commands)
        {
            var (events, error) = HaConfigDecider.Decide(s, c);
            Assert.Null(error);
            s = events.Aggregate(s, HaConfigDecider.Apply);
        }
        return s;
    }

    private static string? Refusal(HaConfigState s, IHaConfigCommand c)
    {
        var (events, error) = HaConfigDecider.Decide(s, c);
        if (error is not null) Assert.Empty(events);
        return error;
    }

    private static UpdateHaResource Update(string sid, string? state = null, string? group = null, string[]? delete = null,
        string? digest = null) => new(sid, state, null, null, group, null, delete ?? [], digest);

    [Fact]
    public void A_resource_is_added_once_with_only_what_was_set_and_enabled_means_started()
    {
        var s = Run(HaConfigState.Empty, new AddHaResource(Vm(100) with { State = "enabled", MaxRestart = 3 }));
        var r = s.Resources["vm:100"];
        Assert.Equal((HaStates.Started, 3, 1), (r.State, r.EffectiveMaxRestart, r.EffectiveMaxRelocate));
        Assert.Null(r.Group);
        Assert.Equal(1, s.Version);
        Assert.Equal("create resource failed: resource ID 'vm:100' already defined", Refusal(s, new AddHaResource(Vm(100))));
        Assert.Equal("HA group 'db' does not exist", Refusal(s, new AddHaResource(Vm(101, "db"))));
    }

    [Fact]
    public void An_update_sets_and_deletes_options_and_checks_group_digest_and_existence()
    {
        var s = Run(HaConfigState.Empty, new AddHaGroup(Group("db", new HaGroupNode("node1", 2))),
            new AddHaResource(Vm(100) with { State = "stopped", Comment = "x" }));
        var digest = s.ResourcesDigest;
        s = Run(s, Update("vm:100", state: "disabled", group: "db", delete: ["comment"], digest: digest));
        Assert.Equal(new HaResource("vm:100", "disabled", null, null, "db", null), s.Resources["vm:100"]);
        Assert.NotEqual(digest, s.ResourcesDigest);
        Assert.Equal("update resources config failed: detected modified configuration - file changed by other user? Try again.",
            Refusal(s, Update("vm:100", state: "started", digest: digest)));
        Assert.Equal("HA group 'web' does not exist", Refusal(s, Update("vm:100", group: "web")));
        Assert.Equal("update resources config failed: no such resource 'vm:101'", Refusal(s, Update("vm:101", state: "started")));
        Assert.Equal("update resources config failed: no such option 'sid'", Refusal(s, Update("vm:100", delete: ["sid"])));
        s = Run(s, Update("vm:100", delete: ["state", "group"]));
        Assert.Equal(HaStates.Started, s.Resources["vm:100"].EffectiveState);
        Assert.Null(s.Resources["vm:100"].State);
    }

    [Fact]
    public void Removing_a_resource_needs_it_unless_if_exists_is_asked()
    {
        var s = Run(HaConfigState.Empty, new AddHaResource(Vm(100)));
        Assert.Equal("cannot delete service 'vm:101', not HA managed!", Refusal(s, new RemoveHaResource("vm:101")));
        Assert.Empty(HaConfigDecider.Decide(s, new RemoveHaResource("vm:101", IfExists: true)).Events);
        Assert.Empty(Run(s, new RemoveHaResource("vm:100")).Resources);
    }

    [Fact]
    public void Groups_are_unique_and_one_in_use_cannot_be_removed()
    {
        var s = Run(HaConfigState.Empty, new AddHaGroup(Group("db", new HaGroupNode("node1", 2), new HaGroupNode("node2", 0))),
            new AddHaResource(Vm(100, "db")));
        Assert.Equal("node1:2,node2", s.Groups["db"].NodeList);
        Assert.Equal("create ha group failed: ha group ID 'db' already defined", Refusal(s, new AddHaGroup(Group("db"))));
        Assert.Equal("delete ha group failed: ha group is used by service 'vm:100'", Refusal(s, new RemoveHaGroup("db")));
        // Proxmox removes a group that does not exist without a word.
        Assert.Empty(HaConfigDecider.Decide(s, new RemoveHaGroup("none")).Events);
        s = Run(s, new RemoveHaResource("vm:100"), new RemoveHaGroup("db"));
        Assert.Empty(s.Groups);
    }

    [Fact]
    public void A_group_update_keeps_nodes_required_and_checks_its_digest()
    {
        var s = Run(HaConfigState.Empty, new AddHaGroup(Group("db", new HaGroupNode("node1", 0)) with { Comment = "c" }));
        var digest = s.GroupsDigest;
        s = Run(s, new UpdateHaGroup("db", [new HaGroupNode("node3", 5)], true, true, null, ["comment"], digest));
        Assert.Equal(("node3:5", true, true, null), (s.Groups["db"].NodeList, s.Groups["db"].Restricted, s.Groups["db"].NoFailback,
            s.Groups["db"].Comment));
        Assert.Equal("update ha group failed: unable to delete required option 'nodes'",
            Refusal(s, new UpdateHaGroup("db", null, null, null, null, ["nodes"], null)));
        Assert.Equal("update ha group failed: detected modified configuration - file changed by other user? Try again.",
            Refusal(s, new UpdateHaGroup("db", null, false, null, null, [], digest)));
        Assert.Equal("update ha group failed: no such ha group 'web'", Refusal(s, new UpdateHaGroup("web", null, true, null, null, [], null)));
    }

    [Theory]
    [InlineData("vm:100", "vm:100", null)]
    [InlineData("100", "vm:100", null)]
    [InlineData("555", "", "unable to detect SID from VMID - VM/CT 555 does not exist")]
    [InlineData("ct:100", "", "unknown section type 'ct'")]
    [InlineData("vm:abc", "", "invalid VMID")]
    [InlineData("vm:0100", "", "invalid VMID")]
    [InlineData("vm 100", "", "unable to parse service id 'vm 100'")]
    public void Sids_are_parsed_as_Proxmox_parses_them(string value, string sid, string? error)
    {
        var parsed = HaSid.Parse(value, id => id == 100);
        Assert.Equal((sid, error), (parsed.Sid, parsed.Error));
        Assert.Equal(error is null ? null : value == "vm 100" ? "value does not look like a valid ha resource id" : null, HaSid.FormatError(value));
    }

    [Theory]
    [InlineData("node1:2,node2", "node1:2,node2", null)]
    [InlineData("node1 node2:7;node3", "node1,node2:7,node3", null)]
    [InlineData("node1:x", "", "value does not look like a valid ha node")]
    [InlineData("node1:-1", "", "value does not look like a valid ha node")]
    [InlineData("node1:99999999999", "", "value does not look like a valid ha node")]
    [InlineData("node1,node1:2", "", "node 'node1' is listed twice")]
    [InlineData(",", "", "value does not look like a valid ha node")]
    public void Node_lists_with_priorities_are_parsed_and_bad_ones_refused(string value, string printed, string? error)
    {
        var (nodes, e) = HaNodeList.Parse(value);
        Assert.Equal(error, e);
        Assert.Equal(printed, string.Join(',', nodes));
    }
}
