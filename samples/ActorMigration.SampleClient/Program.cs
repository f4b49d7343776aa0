using System.Text.Json;
using ActorMigration.Contracts;
using ActorMigration.SampleClient;
using Akka.Actor;

// A service outside the cluster submitting work through Akka's ClusterClient (docs/services.md):
//   submit migrate|start|stop --node N --vmid V [--target T --online --with-local-disks] [--request-id K]
//   status --upid U
//   watch [--upid U] [--since P] [--until-stopped]
// Every command: --contact akka.ssl.tcp://actormigration@host:port (repeat or comma-separate), --tls-dir D, --token T
// (or AM_TOKEN), [--bind 127.0.0.1] [--timeout 60].
// Results go to standard output alone; Akka's own console logging goes to standard error.
var stdout = Console.Out;
Console.SetOut(Console.Error);
var (words, opts) = Args.Parse(args);
string Need(string k) => opts.TryGetValue(k, out var v) ? v : throw new ArgumentException($"--{k} is required");
try
{
    var token = opts.GetValueOrDefault("token") ?? Environment.GetEnvironmentVariable("AM_TOKEN") ?? throw new ArgumentException("--token is required");
    var contacts = Need("contact").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var timeout = TimeSpan.FromSeconds(double.Parse(opts.GetValueOrDefault("timeout", "60"), System.Globalization.CultureInfo.InvariantCulture));
    await using var client = ClientSystem.Start(contacts, Need("tls-dir"), opts.GetValueOrDefault("bind", "127.0.0.1"));
    switch (words)
    {
        case ["submit", var what]:
            var node = Need("node");
            var vmid = int.Parse(Need("vmid"), System.Globalization.CultureInfo.InvariantCulture);
            var id = opts.GetValueOrDefault("request-id");
            IServiceMessage request = what switch
            {
                "migrate" => new SubmitMigrate(token, id, node, vmid, Need("target"), Online: opts.ContainsKey("online"),
                    WithLocalDisks: opts.ContainsKey("with-local-disks")),
                "start" => new SubmitStart(token, id, node, vmid),
                "stop" => new SubmitStop(token, id, node, vmid),
                _ => throw new ArgumentException($"unknown submission '{what}'"),
            };
            return Print(stdout, await client.AskAsync(request, timeout));
        case ["status"]:
            return Print(stdout, await client.AskAsync(new QueryTask(token, Need("upid")), timeout));
        case ["watch"]:
            var done = new TaskCompletionSource<string>();
            var upid = opts.GetValueOrDefault("upid");
            var untilStopped = opts.ContainsKey("until-stopped");
            var since = opts.TryGetValue("since", out var s) ? long.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
            Func<TaskEvent, bool> onEvent = e =>
            {
                stdout.WriteLine(JsonSerializer.Serialize(e, JsonSerializerOptions.Web));
                stdout.Flush();
                return !(untilStopped && e.State is "stopped" or "rejected");
            };
            var subscribe = new SubscribeTaskEvents(token, since, upid, null, null);
            client.System.ActorOf(Props.Create(() => new EventWatcher(client.Client, subscribe, onEvent, done)));
            var end = await done.Task.WaitAsync(opts.ContainsKey("timeout") ? timeout : Timeout.InfiniteTimeSpan);
            if (end == "done") return 0;
            Console.Error.WriteLine(end);
            return 1;
        default:
            throw new ArgumentException("usage: submit migrate|start|stop … | status --upid U | watch [--upid U] [--since P] [--until-stopped]");
    }
}
catch (Exception e) when (e is TimeoutException or AskTimeoutException)
{
    Console.Error.WriteLine($"no member answered in time ({e.Message}); check --contact and that the certificate is from the cluster CA");
    return 3;
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static int Print(TextWriter stdout, IServiceMessage reply)
{
    switch (reply)
    {
        case TaskAccepted a:
            stdout.WriteLine(a.Upid);
            return 0;
        case TaskReport t:
            stdout.WriteLine(JsonSerializer.Serialize(t, JsonSerializerOptions.Web));
            return 0;
        case Refused r:
            Console.Error.WriteLine($"refused ({r.Status}): {r.Message}");
            foreach (var (k, v) in r.Errors ?? new Dictionary<string, string>()) Console.Error.WriteLine($"  {k}: {v}");
            return 1;
        default:
            Console.Error.WriteLine($"unexpected reply {reply.GetType().Name}");
            return 1;
    }
}
