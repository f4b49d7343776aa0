using ActorMigration.Api.Setup;
using Serilog;

var settings = ServerSettings.Load(args);
Directory.CreateDirectory(settings.DataDir);
ServerHost.ConfigureLogging(settings);
try
{
    var app = ServerHost.Build(settings);
    await app.RunAsync();
    return ServerHost.ExitCode(app);
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
