using ActorMigration.Api.Setup;
using Serilog;

var settings = ServerSettings.Load(args);
Directory.CreateDirectory(settings.DataDir);
ServerHost.ConfigureLogging(settings);
try
{
    await ServerHost.Build(settings).RunAsync();
    return 0;
}
catch (Exception e)
{
    Log.Fatal(e, "ActorMigration failed to start");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
