namespace ActorMigration.Domain.Ha;

/// <summary>The HA configuration as Decide(state, command) → events or Proxmox's error text, and Apply.</summary>
public static class HaConfigDecider
{
    private const string Modified = "detected modified configuration - file changed by other user? Try again.";
    private static readonly string[] ResourceOptions = ["state", "group", "max_restart", "max_relocate", "comment"];
    private static readonly string[] GroupOptions = ["comment", "nofailback", "restricted"];

    public static (IReadOnlyList<IHaConfigEvent> Events, string? Error) Decide(HaConfigState s, IHaConfigCommand command) => command switch
    {
        AddHaResource c => AddResource(s, c.Resource),
        UpdateHaResource c => UpdateResource(s, c),
        RemoveHaResource c => s.Resources.ContainsKey(c.Sid)
            ? Ok([new HaResourceRemoved(c.Sid), .. c.Purge ? HaRules.Purge(s, c.Sid) : []])
            : c.IfExists ? Ok()
            : Fail($"cannot delete service '{c.Sid}', not HA managed!"),
        AddHaGroup c => s.Groups.ContainsKey(c.Group.Name)
            ? Fail($"create ha group failed: ha group ID '{c.Group.Name}' already defined")
            : Ok(new HaGroupSaved(c.Group)),
        UpdateHaGroup c => UpdateGroup(s, c),
        // Proxmox deletes a group that does not exist without a word; one that a resource uses is refused.
        RemoveHaGroup c => s.Resources.Values.FirstOrDefault(r => r.Group == c.Name) is { } user
            ? Fail($"delete ha group failed: ha group is used by service '{user.Sid}'")
            : s.Groups.ContainsKey(c.Name) ? Ok(new HaGroupRemoved(c.Name)) : Ok(),
        AddHaRule c => AddRule(s, c),
        UpdateHaRule c => UpdateRule(s, c),
        // Proxmox deletes a rule that does not exist without a word.
        RemoveHaRule c => s.Rules.ContainsKey(c.Name) ? Ok(new HaRuleRemoved(c.Name)) : Ok(),
        PlanHaFollowUp c => s.FollowUps.ContainsKey(c.Upid) ? Ok() : Ok(new HaFollowUpPlanned(c.Upid, c.Add, c.RemoveSid)),
        _ => Fail($"unknown HA command {command.GetType().Name}"),
    };

    public static HaConfigState Apply(HaConfigState s, IHaConfigEvent e)
    {
        var next = e switch
        {
            HaResourceSaved r => s with { Resources = s.Resources.SetItem(r.Resource.Sid, r.Resource) },
            HaResourceRemoved r => s with { Resources = s.Resources.Remove(r.Sid) },
            HaGroupSaved g => s with { Groups = s.Groups.SetItem(g.Group.Name, g.Group) },
            HaGroupRemoved g => s with { Groups = s.Groups.Remove(g.Name) },
            HaRuleSaved r => s with { Rules = s.Rules.SetItem(r.Rule.Name, r.Rule) },
            HaRuleRemoved r => s with { Rules = s.Rules.Remove(r.Name) },
            HaFollowUpPlanned f => s with { FollowUps = s.FollowUps.SetItem(f.Upid, f) },
            HaFollowUpEnded f => s with { FollowUps = s.FollowUps.Remove(f.Upid) },
            _ => s,
        };
        return next with { Version = s.Version + 1 };
    }

    /// <summary>
    /// The task of a follow-up has ended: when it ended well, the planned change, and always the end of the follow-up.
    /// A change that is refused now (the resource exists already) is dropped with its reason, as Proxmox only warns.
    /// </summary>
    public static (IReadOnlyList<IHaConfigEvent> Events, string? Dropped) EndFollowUp(HaConfigState s, string upid, bool taskOk)
    {
        if (!s.FollowUps.TryGetValue(upid, out var f)) return ([], null);
        var (events, error) = !taskOk ? ([], null)
            : f.Add is { } add ? Decide(s, new AddHaResource(add))
            : f.RemoveSid is { } sid ? Decide(s, new RemoveHaResource(sid, IfExists: true))
            : ([], null);
        return ([.. events, new HaFollowUpEnded(upid)], error);
    }

    private static (IReadOnlyList<IHaConfigEvent>, string?) Ok(params IHaConfigEvent[] events) => (events, null);

    private static (IReadOnlyList<IHaConfigEvent>, string?) Fail(string error) => ([], error);

    private static string NoGroup(string group) => $"HA group '{group}' does not exist";

    private static (IReadOnlyList<IHaConfigEvent>, string?) AddResource(HaConfigState s, HaResource r)
    {
        // Our extension: Proxmox lists a resource of an unknown group with errors.group; we refuse it at once.
        if (r.Group is { } g && !s.Groups.ContainsKey(g)) return Fail(NoGroup(g));
        if (s.Resources.ContainsKey(r.Sid)) return Fail($"create resource failed: resource ID '{r.Sid}' already defined");
        return Ok(new HaResourceSaved(Normalized(r)));
    }

    private static HaResource Normalized(HaResource r) => r with { State = r.State is { } st ? HaStates.Normalize(st) : null };

    private static (IReadOnlyList<IHaConfigEvent>, string?) UpdateResource(HaConfigState s, UpdateHaResource c)
    {
        const string Failed = "update resources config failed: ";
        if (c.Group is { } g && !s.Groups.ContainsKey(g)) return Fail(NoGroup(g));
        if (c.Digest is { Length: > 0 } d && d != s.ResourcesDigest) return Fail(Failed + Modified);
        if (!s.Resources.TryGetValue(c.Sid, out var r)) return Fail(Failed + $"no such resource '{c.Sid}'");
        r = r with
        {
            State = c.State ?? r.State,
            MaxRestart = c.MaxRestart ?? r.MaxRestart,
            MaxRelocate = c.MaxRelocate ?? r.MaxRelocate,
            Group = c.Group ?? r.Group,
            Comment = c.Comment ?? r.Comment,
        };
        foreach (var k in c.Delete)
        {
            if (!ResourceOptions.Contains(k)) return Fail(Failed + $"no such option '{k}'");
            r = k switch
            {
                "state" => r with { State = null },
                "group" => r with { Group = null },
                "max_restart" => r with { MaxRestart = null },
                "max_relocate" => r with { MaxRelocate = null },
                _ => r with { Comment = null },
            };
        }
        return Ok(new HaResourceSaved(Normalized(r)));
    }

    private static (IReadOnlyList<IHaConfigEvent>, string?) AddRule(HaConfigState s, AddHaRule c)
    {
        const string Failed = "create ha rule failed: ";
        if (s.Rules.ContainsKey(c.Rule.Name)) return Fail(Failed + $"HA rule '{c.Rule.Name}' already defined");
        if (HaRules.Unmanaged(s, c.Rule.Resources) is { } unmanaged) return Fail(Failed + unmanaged);
        var rule = c.Rule with { Resources = HaRules.Normalize(c.Rule.Resources), Order = s.Rules.Values.Select(r => r.Order).DefaultIfEmpty(0).Max() + 1 };
        return HaRules.Invalid(s.Rules.Values, rule, c.Nodes) is { } invalid ? Fail(Failed + invalid) : Ok(new HaRuleSaved(rule));
    }

    private static (IReadOnlyList<IHaConfigEvent>, string?) UpdateRule(HaConfigState s, UpdateHaRule c)
    {
        const string Failed = "update HA rules failed: ";
        if (c.Digest is { Length: > 0 } d && d != s.RulesDigest) return Fail(Failed + Modified);
        if (!s.Rules.TryGetValue(c.Name, out var r)) return Fail(Failed + $"HA rule '{c.Name}' does not exist");
        if (c.Resources is { } res && HaRules.Unmanaged(s, res) is { } unmanaged) return Fail(Failed + unmanaged);
        r = r with
        {
            Resources = c.Resources is { } list ? HaRules.Normalize(list) : r.Resources,
            Affinity = c.Affinity ?? r.Affinity,
            Disable = c.Disable ?? r.Disable,
            Comment = c.Comment ?? r.Comment,
        };
        foreach (var k in c.Delete)
        {
            if (k is "resources" or "affinity") return Fail(Failed + $"unable to delete required option '{k}'");
            if (!HaRules.Options.Contains(k)) return Fail(Failed + $"no such option '{k}'");
            r = k == "comment" ? r with { Comment = null } : r with { Disable = null };
        }
        return HaRules.Invalid(s.Rules.Values, r, c.Nodes) is { } invalid ? Fail(Failed + invalid) : Ok(new HaRuleSaved(r));
    }

    private static (IReadOnlyList<IHaConfigEvent>, string?) UpdateGroup(HaConfigState s, UpdateHaGroup c)
    {
        const string Failed = "update ha group failed: ";
        if (c.Digest is { Length: > 0 } d && d != s.GroupsDigest) return Fail(Failed + Modified);
        if (!s.Groups.TryGetValue(c.Name, out var g)) return Fail(Failed + $"no such ha group '{c.Name}'");
        g = g with
        {
            Nodes = c.Nodes ?? g.Nodes,
            Restricted = c.Restricted ?? g.Restricted,
            NoFailback = c.NoFailback ?? g.NoFailback,
            Comment = c.Comment ?? g.Comment,
        };
        foreach (var k in c.Delete)
        {
            if (k == "nodes") return Fail(Failed + "unable to delete required option 'nodes'");
            if (!GroupOptions.Contains(k)) return Fail(Failed + $"no such option '{k}'");
            g = k switch
            {
                "comment" => g with { Comment = null },
                "nofailback" => g with { NoFailback = null },
                _ => g with { Restricted = null },
            };
        }
        return Ok(new HaGroupSaved(g));
    }
}
