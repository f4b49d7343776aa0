using ActorMigration.Actors.Hosting;
using Akka.Hosting;

namespace ActorMigration.Actors.Fencing;

public static class FencingHosting
{
    /// <summary>Starts the <see cref="FenceKeeper"/> when fencing is on (<see cref="MemberOptions.Fencing"/>).</summary>
    public static AkkaConfigurationBuilder AddFencing(this AkkaConfigurationBuilder builder, MemberOptions o) =>
        o.Fencing is { } t ? builder.WithActors((system, _) => FenceKeeper.Start(system, o, t)) : builder;
}
