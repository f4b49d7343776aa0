using ActorMigration.Actors.Cluster;
using Akka.Actor;
using Akka.Cluster;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// One command on its way to a node, started by <see cref="NodeRouterActor"/>: sends it to the node's actor on its
/// member and hands the first answer to the asker. While it waits it looks at the membership every
/// <see cref="NodeRouterActor.CheckEvery"/>: when that member is declared down or removed (or gone), the asker gets
/// <see cref="NodeOfflineException"/> right away instead of waiting for its timeout. Unreachable is not gone: the
/// split-brain resolver decides, and the command keeps waiting. A command sent before the node's member joined waits
/// for it until the router's join grace ends. Lives until the command's deadline, or <see cref="UnstampedLifetime"/>.
/// </summary>
public sealed class NodeCallActor : ReceiveActor, IWithTimers
{
    /// <summary>How long a command without a deadline (reads, the API's own commands) is waited for at most.</summary>
    public static readonly TimeSpan UnstampedLifetime = TimeSpan.FromMinutes(10);

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly INodeCommand _command;
    private readonly IActorRef _asker;
    private readonly DateTime _joinBy;
    private UniqueAddress? _sentTo;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(INodeCommand command, IActorRef asker, UniqueAddress? host, DateTime joinBy) =>
        Akka.Actor.Props.Create(() => new NodeCallActor(command, asker, host, joinBy));

    public NodeCallActor(INodeCommand command, IActorRef asker, UniqueAddress? host, DateTime joinBy)
    {
        _command = command;
        _asker = asker;
        _joinBy = joinBy;
        _sentTo = host;
        Receive<Tick>(_ => Look());
        Receive<End>(_ => Context.Stop(Self));
        ReceiveAny(answer =>
        {
            _asker.Tell(answer);
            Context.Stop(Self);
        });
    }

    /// <summary>Where the node's actor lives on a member.</summary>
    public static ActorPath PathOn(Address member, string node) =>
        new RootActorPath(member) / "user" / NodeHostActor.Name / node;

    protected override void PreStart()
    {
        var lifetime = _command is IStampedNodeCommand { Stamp: { } s }
            ? s.Deadline - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1)
            : UnstampedLifetime;
        Timers.StartSingleTimer("end", End.Instance, lifetime > TimeSpan.Zero ? lifetime : TimeSpan.Zero);
        Timers.StartPeriodicTimer("look", Tick.Instance, NodeRouterActor.CheckEvery);
        if (_sentTo is { } host) Send(host);
    }

    private void Send(UniqueAddress host)
    {
        _sentTo = host;
        Context.ActorSelection(PathOn(host.Address, _command.Node)).Tell(_command, Self);
    }

    private void Look()
    {
        var state = _cluster.State;
        if (_sentTo is null)
        {
            if (NodeMembership.HostOf(state, _command.Node) is { } host) Send(host.UniqueAddress);
            else if (DateTime.UtcNow >= _joinBy) Offline();
        }
        else if (NodeMembership.IsGone(state, _sentTo)) Offline();
    }

    private void Offline()
    {
        _asker.Tell(new Status.Failure(new NodeOfflineException(_command.Node)));
        Context.Stop(Self);
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class End
    {
        public static readonly End Instance = new();
    }
}
