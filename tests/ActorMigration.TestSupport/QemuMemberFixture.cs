namespace ActorMigration.TestSupport;

/// <summary>
/// One member process with the real QEMU driver (node1..node3), shared by the tests of a class or collection.
/// Disposing it kills the member and every QEMU, qemu-img or qemu-nbd that mentions its data directory.
/// </summary>
public sealed class QemuMemberFixture : IAsyncLifetime
{
    private int _nextVmid = 1000;

    public MemberProcess Member { get; private set; } = null!;
    public PveClient Client => Member.Client;
    public string DataDir => Member.DataDir;

    /// <summary>A vmid no other test sharing this member uses.</summary>
    public int NextVmId() => Interlocked.Increment(ref _nextVmid);

    /// <summary>The file behind a volid of this member (see <see cref="QemuHost.PathOf"/>).</summary>
    public string PathOf(string volid, string node = "node1") => QemuHost.PathOf(DataDir, node, volid);

    public async Task InitializeAsync()
    {
        Member = await QemuEnv.CreateMemberAsync();
        try
        {
            await Member.StartAsync();
        }
        catch
        {
            await Member.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync() => await Member.DisposeAsync();
}
