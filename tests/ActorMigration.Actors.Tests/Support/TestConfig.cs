using Akka.Configuration;

namespace ActorMigration.Actors.Tests.Support;

public static class TestConfig
{
    /// <summary>Our serializer bound to events, so tests persist through it as production does.</summary>
    public static readonly Config Serialization = ConfigurationFactory.ParseString("""
        akka.actor {
          serializers.am = "ActorMigration.Actors.Persistence.ActorMigrationSerializer, ActorMigration.Actors"
          serialization-bindings {
            "ActorMigration.Domain.Vms.IVmEvent, ActorMigration.Domain" = am
            "ActorMigration.Domain.Workflows.IWorkflowEvent, ActorMigration.Domain" = am
          }
          serialize-messages = off
        }
        akka.loglevel = WARNING
        """);
}
