using ActorMigration.Domain.Vms;

namespace ActorMigration.Api.Http;

/// <summary>Where new identifiers come from: the random source the domain never touches.</summary>
public static class FreshIdSource
{
    public static FreshIds New() => new(Guid.NewGuid(), Guid.NewGuid());
}
