using System.Text;
using System.Text.Json.Nodes;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Persistence;
using ActorMigration.Domain.Workflows;
using Akka.Actor;
using Akka.Configuration;

namespace ActorMigration.Actors.Tests.Persistence;

/// <summary>
/// Golden payloads of the node commands that cross members (Golden/wire/&lt;name&gt;.json): members of two versions
/// must understand each other during a rolling update. Regenerate as <see cref="GoldenPayloadTests"/> says
/// (<c>AM_UPDATE_GOLDEN=1 … --filter WireGoldenTests</c>) and review the diff.
/// </summary>
public sealed class WireGoldenTests : IDisposable
{
    private const string Upid = "UPID:node1:00001234:00005678:6B000000:qmigrate:100:root@pam:";
    private static readonly StepStamp Stamp = new(Upid, "resume-target", 2, new DateTimeOffset(2026, 12, 5, 3, 0, 30, TimeSpan.Zero));
    private readonly ActorSystem _system = ActorSystem.Create("wire-golden-test", ConfigurationFactory.Empty);
    private readonly ActorMigrationSerializer _serializer;

    public WireGoldenTests() => _serializer = new ActorMigrationSerializer((ExtendedActorSystem)_system);

    public void Dispose() => _system.Dispose();

    private static readonly Dictionary<string, object> Samples = new()
    {
        ["node-step"] = new NodeStep("node2", new ResumeVm("resume-target", "node2", 100), null, Stamp),
        ["node-step-unstamped"] = new NodeStep("node1", new StopVm("stop", "node1", 100), null),
        ["create-volumes"] = new CreateNodeVolumes("node2", [new VolumeAlloc("local:100/vm-100-disk-0.raw", "raw", 1 << 20)], true, Stamp),
        ["export-volume"] = new ExportNodeVolume("node2", "local:100/vm-100-disk-0.raw", true, 4096, Stamp),
        ["copy-to-nbd"] = new CopyNodeVolumeToNbd("node1", "local:100/vm-100-disk-0.raw", "nbd://10.0.0.2:60001/x", 1024, null, true, Stamp),
        ["load-conntrack"] = new LoadNodeConntrack("node2", 100, ["tcp 6 src=10.0.0.1"], Stamp),
        ["flush-conntrack"] = new FlushNodeConntrack("node1", 100, Stamp),
        ["node-usage"] = new NodeUsage("node1", [new Domain.Balance.VmUsage(100, 1.5, 1L << 30), new Domain.Balance.VmUsage(101, null, 1 << 20)]),
        ["node-step-reset"] = new NodeStep("node1", new Domain.Workflows.VmTask.ResetVm("reset", "node1", 100), null, Stamp),
        ["node-step-pause"] = new NodeStep("node1", new Domain.Workflows.VmTask.PauseVm("pause", "node1", 100), null, Stamp),
        ["guest-agent-query"] = new QueryNodeGuestAgent("node1", 100, "guest-network-get-interfaces", TimeSpan.FromSeconds(10)),
        ["guest-agent-reply"] = new NodeGuestAgent("[{\"name\":\"lo\"}]"),
    };

    public static IEnumerable<object[]> Names() => Samples.Keys.Order(StringComparer.Ordinal).Select(n => new object[] { n });

    private static string FileOf(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorMigration.Actors.Tests.csproj")))
                return Path.Combine(dir.FullName, "Persistence", "Golden", "wire", name + ".json");
        throw new DirectoryNotFoundException("tests/ActorMigration.Actors.Tests not found above " + AppContext.BaseDirectory);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_node_command_is_its_golden_payload_and_the_payload_decodes_to_it(string name)
    {
        var sample = Samples[name];
        var bytes = _serializer.ToBinary(sample);
        if (Environment.GetEnvironmentVariable("AM_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FileOf(name))!);
            File.WriteAllBytes(FileOf(name), bytes);
            Assert.Fail($"AM_UPDATE_GOLDEN=1: wrote {FileOf(name)}; review the diff and run again without it");
        }
        Assert.Equal(File.ReadAllText(FileOf(name)), Encoding.UTF8.GetString(bytes));
        var back = _serializer.FromBinary(File.ReadAllBytes(FileOf(name)), _serializer.Manifest(sample));
        Assert.Equal(sample.GetType(), back.GetType());
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(_serializer.ToBinary(back)));
    }

    [Fact]
    public void A_node_step_written_before_stamps_existed_reads_as_one_without_a_deadline()
    {
        var payload = JsonNode.Parse(_serializer.ToBinary(Samples["node-step"]))!.AsObject();
        Assert.True(payload.Remove("stamp"));
        var old = payload.ToJsonString();
        var back = (NodeStep)_serializer.FromBinary(Encoding.UTF8.GetBytes(old), _serializer.Manifest(Samples["node-step"]));
        Assert.Equal(new ResumeVm("resume-target", "node2", 100), back.Step);
        Assert.Null(back.Stamp);
    }

    [Fact]
    public void A_stamped_command_keeps_its_stamp()
    {
        foreach (var sample in Samples.Values.OfType<IStampedNodeCommand>().Where(c => c.Stamp is not null))
        {
            var back = (IStampedNodeCommand)_serializer.FromBinary(_serializer.ToBinary(sample), _serializer.Manifest(sample));
            Assert.Equal(Stamp, back.Stamp);
        }
    }
}
