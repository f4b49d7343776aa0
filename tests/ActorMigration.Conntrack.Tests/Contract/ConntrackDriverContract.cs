using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Conntrack.Tests.Contract;

/// <summary>
/// What every <see cref="IConntrackDriver"/> does, run against each driver by a subclass that supplies two
/// nodes' tables and a way to put a VM's connections into one.
/// </summary>
public abstract class ConntrackDriverContract : IAsyncLifetime
{
    /// <summary>The driver of a new, empty node table.</summary>
    protected abstract Task<IConntrackDriver> AddNodeAsync(string role);

    /// <summary>Puts <paramref name="count"/> established connections of <paramref name="vmid"/> into the node's table.</summary>
    protected abstract Task SeedAsync(IConntrackDriver node, int vmid, int count);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Dump_load_and_flush_move_exactly_one_vms_entries()
    {
        var a = await AddNodeAsync("a");
        var b = await AddNodeAsync("b");
        await SeedAsync(a, 100, 3);
        await SeedAsync(a, 200, 2);

        var dump = await a.DumpAsync(100);
        Assert.Equal(3, dump.Count);
        Assert.Equal(2, (await a.DumpAsync(200)).Count);
        Assert.Empty(await b.DumpAsync(100));

        Assert.Equal(3, await b.LoadAsync(100, dump));
        Assert.Equal(3, (await b.DumpAsync(100)).Count);
        Assert.Empty(await b.DumpAsync(200));
        Assert.Equal(0, await b.LoadAsync(300, []));
        Assert.Empty(await b.DumpAsync(300));

        // Flush takes the VM's entries only, and says how many.
        Assert.Equal(3, await a.FlushAsync(100));
        Assert.Empty(await a.DumpAsync(100));
        Assert.Equal(2, (await a.DumpAsync(200)).Count);
        Assert.Equal(0, await a.FlushAsync(100));
        Assert.Equal(3, (await b.DumpAsync(100)).Count);
    }
}
