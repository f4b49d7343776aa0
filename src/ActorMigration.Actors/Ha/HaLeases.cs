using ActorMigration.Actors.Fencing;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Workflows;
using Akka.Actor;

namespace ActorMigration.Actors.Ha;

/// <summary>
/// The member's reader of node leases (the journal database), for the HA manager and the recovery's fence check.
/// Set once when the member is composed; unset in test systems without a database.
/// </summary>
public sealed class HaLeases : IExtension
{
    private NodeLeases? _leases;

    public static HaLeases Get(ActorSystem system) => system.WithExtension<HaLeases, HaLeasesProvider>();

    public void Use(NodeLeases leases) => _leases = leases;

    private NodeLeases Leases => _leases ?? throw new InvalidOperationException("no lease store on this member");

    /// <summary>The node's lease as the step result the recovery checks.</summary>
    public async Task<NodeFenceFacts> FactsAsync(string node, CancellationToken ct)
    {
        var l = await Leases.ReadAsync(node, ct);
        return new NodeFenceFacts(node, l.Held, l.Expired, l.ExpiresAt, l.DbNow);
    }

    /// <summary>The node's lease as the manager's observation reads it.</summary>
    public async Task<(HaLease Lease, DateTimeOffset? ExpiresAt)> ReadAsync(string node, CancellationToken ct)
    {
        var l = await Leases.ReadAsync(node, ct);
        return (!l.Held ? HaLease.NotHeld : l.Expired ? HaLease.Expired : HaLease.Held, l.ExpiresAt);
    }
}

public sealed class HaLeasesProvider : ExtensionIdProvider<HaLeases>
{
    public override HaLeases CreateExtension(ExtendedActorSystem system) => new();
}
