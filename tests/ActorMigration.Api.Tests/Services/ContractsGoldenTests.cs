using System.Runtime.Serialization;
using System.Text;
using ActorMigration.Contracts;
using Akka.Actor;
using Akka.Configuration;

namespace ActorMigration.Api.Tests.Services;

/// <summary>
/// Golden payloads of the ClusterClient contract (Services/Golden/&lt;manifest&gt;.json): a service built against version 1
/// must keep working with every later member. Regenerate with <c>AM_UPDATE_GOLDEN=1 … --filter ContractsGoldenTests</c>
/// and review the diff; a changed payload of a published manifest is a new version, not an edit.
/// </summary>
public sealed class ContractsGoldenTests : IDisposable
{
    private const string Upid = "UPID:node1:00001234:00005678:6B000000:qmigrate:100:svc@pve!ci:";
    private const string Token = "svc@pve!ci=00000000-0000-0000-0000-000000000001";
    private readonly ActorSystem _system = ActorSystem.Create("contracts-golden", ConfigurationFactory.ParseString(ContractsSerializer.Hocon));
    private readonly ContractsSerializer _serializer;

    public ContractsGoldenTests() => _serializer = new ContractsSerializer((ExtendedActorSystem)_system);

    public void Dispose() => _system.Dispose();

    private static readonly IServiceMessage[] Samples =
    [
        new SubmitMigrate(Token, "order-4711", "node1", 100, "node2", Online: true, WithLocalDisks: true, TargetStorage: "fast", BwLimitKiB: 8192),
        new SubmitClone(Token, "clone-1", "node1", 100, 120, Name: "web", Full: true, Target: "node2", Storage: "local"),
        new SubmitCreate(Token, null, "node1", 130, new Dictionary<string, string> { ["memory"] = "512", ["scsi0"] = "local:1" }),
        new SubmitStart(Token, "start-1", "node1", 100),
        new SubmitStop(Token, null, "node1", 100),
        new QueryTask(Token, Upid),
        new SubscribeTaskEvents(Token, Since: 17, Upid: Upid, Node: "node1", Type: "qmigrate"),
        UnsubscribeTaskEvents.Instance,
        new TaskAccepted(Upid),
        new Refused(400, "Parameter verification failed.", new Dictionary<string, string> { ["target"] = "no such node" }),
        new TaskReport(Upid, "stopped", "OK", "qmigrate", "node1", "svc@pve!ci"),
        new TaskEvent(42, Upid, "node1", "qmigrate", "100", "svc@pve!ci", "step", "precopy", null, 1764998400),
        TaskEventsKeepAlive.Instance,
        new TaskEventsEnded("the event stream ended"),
    ];

    public static IEnumerable<object[]> Manifests() => Samples.Select(s => new object[] { ContractsSerializer.Manifests[s.GetType()] });

    private static string FileOf(string manifest)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorMigration.Api.Tests.csproj")))
                return Path.Combine(dir.FullName, "Services", "Golden", manifest + ".json");
        throw new DirectoryNotFoundException("tests/ActorMigration.Api.Tests not found above " + AppContext.BaseDirectory);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void A_contract_message_is_its_golden_payload_and_the_payload_decodes_to_it(string manifest)
    {
        var sample = Samples.Single(s => ContractsSerializer.Manifests[s.GetType()] == manifest);
        Assert.Equal(manifest, _serializer.Manifest(sample));
        var bytes = _serializer.ToBinary(sample);
        if (Environment.GetEnvironmentVariable("AM_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(FileOf(manifest), bytes);
            Assert.Fail($"AM_UPDATE_GOLDEN=1: wrote {FileOf(manifest)}; review the diff and run again without it");
        }
        Assert.Equal(File.ReadAllText(FileOf(manifest)), Encoding.UTF8.GetString(bytes));
        var back = _serializer.FromBinary(File.ReadAllBytes(FileOf(manifest)), manifest);
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(_serializer.ToBinary(back)));
    }

    [Fact]
    public void Every_contract_type_has_a_versioned_manifest_and_a_golden_sample()
    {
        var types = typeof(IServiceMessage).Assembly.GetTypes()
            .Where(t => typeof(IServiceMessage).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface).ToList();
        Assert.Equal(types.OrderBy(t => t.Name), ContractsSerializer.Manifests.Keys.OrderBy(t => t.Name));
        Assert.All(ContractsSerializer.Manifests.Values, m => Assert.StartsWith($"v{Gateway.Version}.", m));
        Assert.Equal(types.OrderBy(t => t.Name), Samples.Select(s => s.GetType()).OrderBy(t => t.Name));
    }

    [Fact]
    public void The_binding_puts_contract_messages_on_this_serializer_not_a_fallback()
    {
        var s = _system.Serialization.FindSerializerFor(new TaskAccepted(Upid));
        Assert.IsType<ContractsSerializer>(s);
        Assert.Equal(ContractsSerializer.SerializerId, s.Identifier);
    }

    [Fact]
    public void An_unknown_manifest_is_refused_naming_the_version_this_side_knows()
    {
        var e = Assert.Throws<SerializationException>(() => _serializer.FromBinary("{}"u8.ToArray(), "v2.submit-migrate"));
        Assert.Contains("version 1", e.Message);
    }
}
