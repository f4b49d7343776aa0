namespace ActorMigration.Domain.Ha;

/// <summary>How a resource's state reads in the status API, as pve-ha-manager words it.</summary>
public static class HaServiceState
{
    /// <summary>
    /// service_check_ha_state: configured and not <c>ignored</c> (an ignored resource behaves as if not HA-managed).
    /// </summary>
    public static bool IsManaged(HaResource? r) => r is not null && r.EffectiveState != HaStates.Ignored;

    /// <summary>
    /// The CRM's state of a resource. Until an HA manager keeps one, it is read from the VM: running is <c>started</c>,
    /// not running <c>stopped</c>, unknown (node offline) none; an ignored resource has none.
    /// </summary>
    public static string? Crm(HaResource r, bool? running) =>
        r.EffectiveState == HaStates.Ignored || running is null ? null : running.Value ? HaStates.Started : HaStates.Stopped;

    /// <summary>get_verbose_service_state: the <c>state</c> of a <c>service:</c> entry.</summary>
    /// <param name="config">The resource, null when it is being deleted.</param>
    /// <param name="nodeKnown">The VM exists and has a node.</param>
    /// <param name="crm">The CRM's state, null when it has not seen the resource.</param>
    /// <param name="running">The VM runs.</param>
    public static string Verbose(HaResource? config, bool nodeKnown, string? crm, bool running)
    {
        if (config is null) return "deleting";
        var request = config.EffectiveState;
        if (request == HaStates.Ignored) return HaStates.Ignored;
        if (!nodeKnown) return "not found";
        if (crm is null) return "queued";
        return crm switch
        {
            HaStates.Stopped when request == HaStates.Started => "starting",
            HaStates.Stopped when request == HaStates.Disabled => HaStates.Disabled,
            HaStates.Started when !running => "starting",
            HaStates.Started when request is HaStates.Stopped or HaStates.Disabled => "stopping",
            "error" when request == HaStates.Disabled => "clearing error flag",
            _ => crm,
        };
    }
}
