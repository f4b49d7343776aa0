using ActorMigration.Actors.Cluster;
using Akka.Actor;
using Akka.Event;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// The way to the hypervisor nodes on every member (registered as <see cref="HypervisorNodeRegion"/>). A command goes
/// straight to its node's actor on the Up member with role <c>hv-&lt;node&gt;</c>, found in this member's view of the
/// membership (<see cref="NodeMembership"/>): no shard coordinator in between, so the live nodes stay reachable while a
/// lost member is being downed. A node with no Up member is offline: its command is answered with
/// <see cref="NodeOfflineException"/> at once and never sent; see <see cref="NodeCallActor"/> for a member lost meanwhile.
/// A node going offline is one warning here, coming back one info.
/// </summary>
public sealed class NodeRouterActor : ReceiveActor, IWithTimers
{
    /// <summary>How often membership is looked at, by the router (for its log) and by each waiting command.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>After this member starts, a node it has never seen hosted may still be joining: commands wait for it this long.</summary>
    public static readonly TimeSpan DefaultJoinGrace = TimeSpan.FromSeconds(20);

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IReadOnlyList<string> _nodes;
    private readonly DateTime _joinBy;
    private readonly HashSet<string> _seen = [];
    private readonly HashSet<string> _logged = [];
    private readonly Dictionary<string, Address> _hosts = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<string> clusterNodes, TimeSpan? joinGrace = null)
    {
        var grace = joinGrace ?? DefaultJoinGrace;
        return Akka.Actor.Props.Create(() => new NodeRouterActor(clusterNodes, grace));
    }

    public NodeRouterActor(IReadOnlyList<string> clusterNodes, TimeSpan joinGrace)
    {
        _nodes = clusterNodes;
        _joinBy = DateTime.UtcNow + joinGrace;
        Receive<INodeCommand>(Route);
        Receive<Check>(_ => Watch());
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("check", Check.Instance, CheckEvery);

    private void Route(INodeCommand command)
    {
        var host = NodeMembership.HostOf(_cluster.State, command.Node);
        if (host is not null) _seen.Add(command.Node);
        else if (_seen.Contains(command.Node) || DateTime.UtcNow >= _joinBy)
        {
            // Stopped at the source: nothing is sent, queued or retried for a node that no member hosts.
            Sender.Tell(new Status.Failure(new NodeOfflineException(command.Node)));
            return;
        }
        Context.ActorOf(NodeCallActor.Props(command, Sender, host?.UniqueAddress, _joinBy));
    }

    /// <summary>One warning when a node loses its last Up member, one info when it has one again.</summary>
    private void Watch()
    {
        var state = _cluster.State;
        foreach (var node in _nodes)
        {
            var host = NodeMembership.HostOf(state, node)?.Address;
            var had = _hosts.GetValueOrDefault(node);
            if (host is not null)
            {
                _seen.Add(node);
                if (had is null && _logged.Add(node)) _log.Debug("Node {Node} is online on {Member}", node, host);
                else if (had is null) _log.Info("Node {Node} is online again on {Member}", node, host);
                _hosts[node] = host;
            }
            else if (had is not null)
            {
                _log.Warning("Node {Node} is offline: its member {Member} is {Status}", node, had,
                    state.Members.FirstOrDefault(m => m.Address == had)?.Status.ToString().ToLowerInvariant() ?? "removed");
                _hosts.Remove(node);
            }
        }
    }

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}
