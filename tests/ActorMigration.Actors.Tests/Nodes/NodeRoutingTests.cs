using System.Diagnostics;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;
using Akka.Configuration;

namespace ActorMigration.Actors.Tests.Nodes;

/// <summary>
/// The node router on a real cluster in this process: member A hosts node1; node2 belongs to member B, which joins
/// without running any node actor (what is sent to it is never answered) or does not exist.
/// </summary>
public sealed class NodeRoutingTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("am-route-").FullName;
    private readonly ClusterTopology _topology;
    private readonly IActorRef _router;
    private ActorSystem? _memberB;

    public NodeRoutingTests() : base(Member("hv-node1"), "routing")
    {
        var storage = new StorageConfig([new StorageDefinition("local", "dir", Path.Combine(_dir, "{node}"), false, ["images"], null)]);
        _topology = new ClusterTopology(["node1", "node2"], ["node1"], storage, _dir, new Dictionary<string, NodeOverride>());
        Sys.ActorOf(NodeHostActor.Props(_topology, new SimulatedNodeDriverFactory(new SimulationOptions()), ActorRefs.Nobody), NodeHostActor.Name);
        _router = Sys.ActorOf(NodeRouterActor.Props(_topology.ClusterNodes, TimeSpan.Zero));
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => NodeMembership.HostOf(cluster.State, "node1") is not null, NoHang);
    }

    public new void Dispose()
    {
        _memberB?.Terminate().Wait(NoHang);
        base.Dispose();
        Directory.Delete(_dir, true);
    }

    private static Config Member(string role) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.cluster.roles = ["{{role}}"]
        akka.cluster.min-nr-of-members = 1
        akka.loglevel = INFO
        """).WithFallback(Support.TestConfig.Serialization);

    [Fact]
    public async Task A_node_that_no_member_hosts_is_refused_at_once_and_a_hosted_one_answers()
    {
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NodeOfflineException>(() => _router.Ask<NodeFacts>(new GetNodeFacts("node2"), NoHang));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal("node 'node2' seems to be offline", e.Message);
        Assert.IsAssignableFrom<StepRefusedException>(e); // final for a workflow step: no retry

        Assert.Equal("node1", (await _router.Ask<NodeFacts>(new GetNodeFacts("node1"), NoHang)).Node);
    }

    [Fact]
    public async Task A_step_to_a_node_without_member_fails_final_without_waiting_for_its_ask_timeout()
    {
        var vms = CreateTestProbe();
        var runner = new StepRunner(vms.Ref, _router, _topology, StepTimeouts.Standard);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<NodeOfflineException>(() => runner.Run(new ResumeVm("resume-target", "node2", 100), "UPID:x", ActorRefs.Nobody));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal("node2", e.Node);
    }

    [Fact]
    public async Task A_command_waiting_on_a_member_that_is_declared_down_fails_right_away_and_the_node_is_one_warning()
    {
        _memberB = ActorSystem.Create("routing", Member("hv-node2"));
        var b = Akka.Cluster.Cluster.Get(_memberB);
        b.Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);
        var a = Akka.Cluster.Cluster.Get(Sys);
        AwaitCondition(() => NodeMembership.HostOf(a.State, "node2") is not null, NoHang);
        await Task.Delay(NodeRouterActor.CheckEvery * 3); // the router has seen node2 online

        // Member B runs no node actor: the command is never answered, as on a member that just died.
        var pending = _router.Ask<StepResult>(new NodeStep("node2", new ResumeVm("resume-target", "node2", 100)), TimeSpan.FromSeconds(60));
        await Task.Delay(500);
        Assert.False(pending.IsCompleted);

        var clock = Stopwatch.StartNew();
        await EventFilter.Warning(contains: "Node node2 is offline").ExpectOneAsync(async () =>
        {
            a.Down(b.SelfAddress);
            var e = await Assert.ThrowsAsync<NodeOfflineException>(() => pending);
            Assert.Equal("node 'node2' seems to be offline", e.Message);
        });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        // Afterwards node2 is refused at once, with no further warning.
        await EventFilter.Warning(contains: "is offline").ExpectAsync(0, async () =>
            await Assert.ThrowsAsync<NodeOfflineException>(() => _router.Ask<NodeFacts>(new GetNodeFacts("node2"), NoHang)));
    }
}
