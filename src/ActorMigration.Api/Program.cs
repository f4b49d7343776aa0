using ActorMigration.Api.Setup;
using Serilog;

var settings = ServerSettings.Load(args);
// `actormigration service-cert <dir> [<name>]`: a ClusterClient service's certificate from this member's cluster CA.
if (args is ["service-cert", var outDir, ..])
{
    ClusterCertificates.IssueService(settings.TlsDir, outDir, args.Length > 2 ? args[2] : "service");
    Console.WriteLine($"wrote {ClusterCertificates.CaCert}, {ClusterCertificates.ClientCert} and {ClusterCertificates.ClientKey} to {outDir}");
    return 0;
}
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
