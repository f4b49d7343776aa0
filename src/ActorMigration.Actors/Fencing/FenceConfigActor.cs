using ActorMigration.Actors.Ha;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace ActorMigration.Actors.Fencing;

/// <summary>
/// The HA configuration as the fence keeper sees it: written by <see cref="FenceConfigActor"/>, read by the keeper's
/// loop. Unknown (null) until the configuration was read and the member's read model has caught up (until then VM
/// owners are not known, and a node that carries HA VMs must not be taken for one that carries none).
/// </summary>
public sealed class FenceConfigView
{
    private readonly object _gate = new();
    private HaConfigState? _config;
    private bool _vmsKnown;

    public HaConfigState? Config
    {
        get
        {
            lock (_gate) return _vmsKnown ? _config : null;
        }
    }

    /// <summary>Keeps the newest configuration (a late answer never replaces a newer published one).</summary>
    public void Offer(HaConfigState state)
    {
        lock (_gate)
            if (_config is null || state.Version >= _config.Version) _config = state;
    }

    public void VmsKnown()
    {
        lock (_gate) _vmsKnown = true;
    }
}

/// <summary>
/// Feeds a <see cref="FenceConfigView"/>: subscribes to <see cref="HaConfigActor.Topic"/>, asks the configuration
/// store every second until it answers (then every ten, in case a publication was lost) and the read model until it
/// has caught up.
/// </summary>
public sealed class FenceConfigActor : ReceiveActor, IWithTimers
{
    private const int RefreshEvery = 10;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator;
    private bool _configRead, _vmsRead;
    private int _ticks;

    private sealed record Tick;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef mediator, IActorRef store, IActorRef readModel, FenceConfigView view) =>
        Akka.Actor.Props.Create(() => new FenceConfigActor(mediator, store, readModel, view));

    public FenceConfigActor(IActorRef mediator, IActorRef store, IActorRef readModel, FenceConfigView view)
    {
        _mediator = mediator;
        Receive<SubscribeAck>(_ => { });
        Receive<HaConfigChanged>(c => view.Offer(c.State));
        Receive<HaConfigReply>(r =>
        {
            if (!_configRead) _log.Info("Fencing: HA configuration read ({0} resources, version {1})", r.State.Resources.Count, r.State.Version);
            _configRead = true;
            view.Offer(r.State);
        });
        Receive<ReadModelStatus>(s =>
        {
            if (!s.CaughtUp || _vmsRead) return;
            _vmsRead = true;
            view.VmsKnown();
        });
        Receive<Tick>(_ =>
        {
            if (!_configRead || _ticks++ % RefreshEvery == 0) store.Tell(new GetHaConfig());
            if (!_vmsRead) readModel.Tell(new GetReadModelStatus());
        });
    }

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(HaConfigActor.Topic, Self));
        Self.Tell(new Tick());
        Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(1));
    }
}
