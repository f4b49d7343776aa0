using Spectre.Console.Testing;

namespace ActorMigration.Cli.Tests.Fakes;

/// <summary>Runs amctl in-process against a fake server and captures its console.</summary>
public static class CliRun
{
    public const string Token = "root@pam!admin=0b5e3bfa-2f6c-4c1e-9d7a-1a2b3c4d5e6f";
    public const string AuthHeader = "PVEAPIToken=" + Token;

    public sealed record Result(int Code, string Output);

    /// <summary>Runs with --api/--token pointing at the fake; env is isolated (only AM_POLL_MS=10 + extras).</summary>
    public static Task<Result> Run(FakePve pve, params string[] args) =>
        RunRaw([.. args, "--api", pve.Url, "--token", Token]);

    public static async Task<Result> RunRaw(string[] args, Dictionary<string, string>? env = null, TestConsole? console = null)
    {
        console ??= new TestConsole().Width(250);
        var vars = new Dictionary<string, string> { ["AM_POLL_MS"] = "10" };
        foreach (var (k, v) in env ?? []) vars[k] = v;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await Program.Run(args, new CliOptions
        {
            Console = console,
            Env = name => vars.GetValueOrDefault(name),
            Cancel = cts.Token,
        });
        return new Result(code, console.Output);
    }

    /// <summary>/cluster/resources with VM 100 on pve1 and template 9000 on pve2.</summary>
    public static FakePve WithResources(this FakePve pve) => pve.On("GET", "cluster/resources", Reply.Data("""
        [{"id":"qemu/100","vmid":100,"name":"web1","node":"pve1","type":"qemu","status":"running","template":0,"lock":"backup"},
         {"id":"qemu/9000","vmid":"9000","name":"tmpl","node":"pve2","type":"qemu","status":"stopped","template":1}]
        """));
}
