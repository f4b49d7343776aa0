using ActorMigration.Actors.Hosting;
using Akka.Hosting;

namespace ActorMigration.Actors.Fencing;

public static class FencingHosting
{
    /// <summary>
    /// Starts the <see cref="FenceKeeper"/> when fencing is on (<see cref="MemberOptions.Fencing"/>); registered after the
    /// read model and the HA configuration store, which it reads (<see cref="MemberOptions.FenceArming"/>).
    /// </summary>
    public static AkkaConfigurationBuilder AddFencing(this AkkaConfigurationBuilder builder, MemberOptions o) =>
        o.Fencing is { } t ? builder.WithActors((system, registry) => FenceKeeper.Start(system, registry, o, t)) : builder;
}
