namespace ActorMigration.Api.Endpoints;

/// <summary>The HA configuration API under /cluster/ha: resources, groups, status.</summary>
public static class HaEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        HaResourceEndpoints.Map(api);
        HaGroupEndpoints.Map(api);
        HaStatusEndpoints.Map(api);
        HaRuleEndpoints.Map(api);
    }
}
