using System.Reflection;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Nodes;

/// <summary>The node actor on the simulated driver whose storage can be made to block or fail.</summary>
public sealed class HypervisorNodeActorTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("am-node-").FullName;
    private readonly ManualResetEventSlim _gate = new();
    private readonly IActorRef _node;

    public HypervisorNodeActorTests()
    {
        var storage = new StorageConfig([new StorageDefinition("local", "dir", Path.Combine(_dir, "{node}"), false, ["images", "import"], null)]);
        var topology = new ClusterTopology(["node1"], ["node1"], storage, _dir, new Dictionary<string, NodeOverride>());
        _node = Sys.ActorOf(HypervisorNodeActor.Props("node1", topology, new Factory(_gate), ActorRefs.Nobody));
    }

    public new void Dispose()
    {
        _gate.Set();
        base.Dispose();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task A_storage_call_that_blocks_its_thread_does_not_hold_up_the_node()
    {
        // The storage blocks synchronously, as a read of a FIFO does in open(2).
        var text = _node.Ask<NodeText>(new ReadNodeText("node1", "local:import/fifo.ovf"), TimeSpan.FromSeconds(60));
        var facts = await _node.Ask<NodeFacts>(new GetNodeFacts("node1"), NoHang);
        Assert.Equal("node1", facts.Node);
        Assert.False(text.IsCompleted);
        _gate.Set();
        Assert.Equal("released", (await text).Text);
    }

    [Fact]
    public async Task Driver_errors_reach_the_asker_with_volume_ids_instead_of_host_paths()
    {
        var e = await Assert.ThrowsAsync<NodeOperationException>(() =>
            _node.Ask<NodeVolume>(new GetNodeVolume("node1", "local:100/vm-100-disk-0.raw"), NoHang));
        Assert.Equal("Could not open 'local:100/vm-100-disk-0.raw': Permission denied; see (run dir)", e.Message);
    }

    private sealed class Factory(ManualResetEventSlim gate) : INodeDriverFactory
    {
        public string Name => "blocking";

        public INodeDriver Create(NodeSettings settings)
        {
            var inner = new SimulatedNodeDriverFactory(new SimulationOptions()).Create(settings);
            var storage = DispatchProxy.Create<IStorageDriver, Storage>();
            ((Storage)(object)storage).Init(inner.Storage, gate, settings);
            return new Driver(inner, storage);
        }
    }

    private sealed class Driver(INodeDriver inner, IStorageDriver storage) : INodeDriver
    {
        public NodeSettings Settings => inner.Settings;
        public IHypervisorDriver Hypervisor => inner.Hypervisor;
        public IStorageDriver Storage => storage;
        public IConntrackDriver Conntrack => inner.Conntrack;
        public Task<NodeFacts> GetFactsAsync(CancellationToken ct = default) => inner.GetFactsAsync(ct);
        public Task<NodeStatus> GetStatusAsync(CancellationToken ct = default) => inner.GetStatusAsync(ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>ReadTextAsync blocks its calling thread until the gate opens; InfoAsync fails naming host paths.</summary>
    public class Storage : DispatchProxy
    {
        private IStorageDriver _inner = null!;
        private ManualResetEventSlim _gate = null!;
        private NodeSettings _settings = null!;

        internal void Init(IStorageDriver inner, ManualResetEventSlim gate, NodeSettings settings) =>
            (_inner, _gate, _settings) = (inner, gate, settings);

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            switch (method!.Name)
            {
                case nameof(IStorageDriver.ReadTextAsync):
                    _gate.Wait();
                    return Task.FromResult("released");
                case nameof(IStorageDriver.InfoAsync):
                    var file = Path.Combine(_settings.Storage.Get("local")!.PathOn(_settings.Node), "images", "100", "vm-100-disk-0.raw");
                    throw new IOException($"Could not open '{file}': Permission denied; see {_settings.RunDir}/qmp");
                default:
                    return method.Invoke(_inner, args);
            }
        }
    }
}
