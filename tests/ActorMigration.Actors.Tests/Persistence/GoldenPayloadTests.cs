using System.Text;
using Akka.Actor;
using Akka.Configuration;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Tests.Support;

namespace ActorMigration.Actors.Tests.Persistence;

/// <summary>
/// One golden payload per persisted manifest (Golden/&lt;manifest&gt;.json): the exact bytes the serializer writes
/// for a canonical sample (<see cref="Samples.Create"/> with the type's name as hint). A payload change — a renamed,
/// removed, retyped or added field — fails here, so a change that would break journals already written cannot go
/// unnoticed. To change payloads on purpose, regenerate and review the diff:
/// <c>AM_UPDATE_GOLDEN=1 dotnet test tests/ActorMigration.Actors.Tests --filter GoldenPayloadTests</c>
/// (that run writes the files and fails, so a regeneration is never a green run), then run again without it.
/// </summary>
public sealed class GoldenPayloadTests : IDisposable
{
    private const string UpdateVariable = "AM_UPDATE_GOLDEN";
    private readonly ActorSystem _system = ActorSystem.Create("golden-test", ConfigurationFactory.Empty);
    private readonly ActorMigrationSerializer _serializer;

    public GoldenPayloadTests() => _serializer = new ActorMigrationSerializer((ExtendedActorSystem)_system);

    public void Dispose() => _system.Dispose();

    public static IEnumerable<object[]> Manifests() => EventManifests.ByManifest.Keys.Order(StringComparer.Ordinal).Select(m => new object[] { m });

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>The Golden folder in the source tree (not a copy in bin/, which could keep a deleted file).</summary>
    private static string GoldenDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorMigration.Actors.Tests.csproj")))
                return Path.Combine(dir.FullName, "Persistence", "Golden");
        throw new DirectoryNotFoundException("tests/ActorMigration.Actors.Tests not found above " + AppContext.BaseDirectory);
    }

    private static string FileOf(string manifest) => Path.Combine(GoldenDir(), manifest + ".json");

    private static object Sample(string manifest)
    {
        var type = EventManifests.ByManifest[manifest];
        return Samples.Create(type, type.Name);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void The_payload_of_a_canonical_sample_is_the_golden_file_byte_for_byte(string manifest)
    {
        var sample = Sample(manifest);
        Assert.Equal(manifest, _serializer.Manifest(sample));
        var bytes = _serializer.ToBinary(sample);
        if (Updating)
        {
            File.WriteAllBytes(FileOf(manifest), bytes);
            Assert.Fail($"{UpdateVariable}=1: wrote {FileOf(manifest)}; review the diff and run again without it");
        }
        Assert.True(File.Exists(FileOf(manifest)), $"no golden payload for manifest '{manifest}' ({FileOf(manifest)}); see {UpdateVariable}");
        Assert.Equal(Encoding.UTF8.GetString(File.ReadAllBytes(FileOf(manifest))), Encoding.UTF8.GetString(bytes));
        Assert.Equal(File.ReadAllBytes(FileOf(manifest)), bytes);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void A_golden_payload_decodes_to_the_canonical_sample(string manifest)
    {
        Assert.True(File.Exists(FileOf(manifest)), $"no golden payload for manifest '{manifest}'");
        var back = _serializer.FromBinary(File.ReadAllBytes(FileOf(manifest)), manifest);
        Assert.IsNotType<UnreadableEvent>(back);
        Assert.Equal(EventManifests.ByManifest[manifest], back.GetType());
        // Records holding lists compare by reference: compare what they hold, written by the same serializer.
        Assert.Equal(Encoding.UTF8.GetString(_serializer.ToBinary(Sample(manifest))), Encoding.UTF8.GetString(_serializer.ToBinary(back)));
    }

    [Fact]
    public void Every_golden_file_belongs_to_a_manifest()
    {
        var files = Directory.GetFiles(GoldenDir(), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal);
        Assert.Equal(EventManifests.ByManifest.Keys.Order(StringComparer.Ordinal), files);
    }
}
