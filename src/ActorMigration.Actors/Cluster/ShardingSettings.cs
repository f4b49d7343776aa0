using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;

namespace ActorMigration.Actors.Cluster;

/// <summary>Sharding settings of our regions: coordinator state in ddata, remembered entities in the journal.</summary>
public static class ShardingSettings
{
    public static ClusterShardingSettings Of(ActorSystem system, bool rememberEntities)
    {
        var config = system.Settings.Config;
        var sharding = ConfigurationFactory.ParseString($"""
            state-store-mode = ddata
            remember-entities = {(rememberEntities ? "on" : "off")}
            remember-entities-store = eventsourced
            """).WithFallback(config.GetConfig("akka.cluster.sharding"));
        return ClusterShardingSettings.Create(sharding, config.GetConfig("akka.cluster.singleton"));
    }
}
