namespace ActorMigration.Domain.Ha;

/// <summary>Which hosted nodes a member arms (AM_FENCE): every one always, or those that carry HA-managed VMs.</summary>
public enum FenceArming
{
    /// <summary><c>AM_FENCE=1</c>: every hosted node, always.</summary>
    All,

    /// <summary><c>AM_FENCE=auto</c> (the default): a node only while it carries HA-managed VMs (<see cref="FenceRules.NodesToArm"/>).</summary>
    HaNodes,
}

/// <summary>What a member does with one hosted node in a pet cycle (<see cref="FenceRules.Step"/>).</summary>
public enum FenceStep
{
    /// <summary>Renew the node's lease, then pet its watchdog.</summary>
    Keep,

    /// <summary>Release the node's lease, then disarm its watchdog (in that order).</summary>
    Release,

    /// <summary>Nothing: the node is not armed and holds no lease.</summary>
    Idle,
}
