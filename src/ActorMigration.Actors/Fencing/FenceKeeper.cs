using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Hosting;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Hosting;
using Done = Akka.Done;

namespace ActorMigration.Actors.Fencing;

/// <summary>
/// Keeps this member's armed nodes alive: every pet interval, while the member is Up with a majority
/// (<see cref="FenceRules.MayPet"/>), takes t0 from the host's monotonic clock and, per hosted node
/// (<see cref="FenceRules.Step"/>), renews its lease and then pets its watchdog until t0 + the fence timeout
/// (<see cref="FenceTimings"/>), or releases its lease and then disarms its watchdog. A failed renewal means no pet, a
/// watchdog that does not answer means no renewal, and a failed release means no disarm.
/// A requested stop gives the armed nodes' watchdogs and leases the restart grace; a downed member gives nothing.
/// </summary>
public sealed class FenceKeeper
{
    private readonly ActorSystem _system;
    private readonly FenceTimings _t;
    private readonly FenceArming _arming;
    private readonly FenceConfigView _config;
    private readonly VmOwnerView _owners;
    private readonly NodeLeases _leases;
    private readonly IReadOnlyList<Guard> _nodes;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _member;
    private bool _mayPet;
    /// <summary>The last cycle renewed and petted every armed node (a clean stop then gives the restart grace).</summary>
    private bool _petting;
    private Task _loop = Task.CompletedTask;

    /// <summary>One hosted node: its watchdog and what this member knows of it.</summary>
    private sealed class Guard(WatchdogClient dog)
    {
        public WatchdogClient Dog => dog;
        public string Node => dog.Node;
        /// <summary>This member started (or found) the node's watchdog.</summary>
        public bool Started { get; set; }
        /// <summary>Not released since the last renewal; unknown (true) at start.</summary>
        public bool LeaseMayBeHeld { get; set; } = true;
        /// <summary>Armed: the last cycle kept the node (renewed and petted, or tried to).</summary>
        public bool Armed { get; set; }
    }

    private FenceKeeper(ActorSystem system, MemberOptions o, FenceTimings t, FenceConfigView config)
    {
        (_system, _t, _arming, _config) = (system, t, o.FenceArming, config);
        _owners = VmOwnerView.Get(system);
        _leases = new NodeLeases(o.Persistence, o.ConnectionString);
        _member = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress.ToString();
        _nodes = [.. o.Topology.HostedNodes.Select(n => new Guard(new WatchdogClient(n, o.Topology.SettingsFor(n).RunDir, o.DriverFactory.Name,
            Path.Combine(o.Topology.DataDir, "logs", $"watchdog-{n}.log"))))];
    }

    private ILoggingAdapter Log => _system.Log;

    /// <summary>
    /// Starts the keeper; with <see cref="FenceArming.HaNodes"/> also the <see cref="FenceConfigActor"/> that tells it
    /// the HA configuration (the store's proxy and the read model must be registered before).
    /// </summary>
    public static void Start(ActorSystem system, IActorRegistry registry, MemberOptions o, FenceTimings t)
    {
        var config = new FenceConfigView();
        if (o.FenceArming == FenceArming.HaNodes)
            system.ActorOf(FenceConfigActor.Props(DistributedPubSub.Get(system).Mediator, registry.Get<HaConfigStore>(),
                registry.Get<ClusterReadModel>(), config), "fence-config");
        var keeper = new FenceKeeper(system, o, t, config);
        keeper._loop = Task.Run(keeper.LoopAsync);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "fence-restart-grace", keeper.StopAsync);
    }

    private async Task LoopAsync()
    {
        if (_arming == FenceArming.All)
            foreach (var g in _nodes) StartWatchdog(g);
        while (!_stop.IsCancellationRequested)
        {
            var t0 = Environment.TickCount64;
            await CycleAsync(t0);
            var wait = t0 + (long)_t.PetInterval.TotalMilliseconds - Environment.TickCount64;
            try
            {
                if (wait > 0) await Task.Delay(TimeSpan.FromMilliseconds(wait), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task CycleAsync(long t0)
    {
        var (up, members, unreachable) = NodeMembership.MajorityView(_system);
        var may = FenceRules.MayPet(up, members, unreachable);
        if (may != _mayPet)
        {
            var nodes = _arming == FenceArming.All ? Names(_nodes) : "the nodes that carry HA-managed VMs";
            if (may) Log.Warning("Fencing: petting the watchdogs of {0}", nodes);
            else Log.Warning("Fencing: stopped petting the watchdogs of {0} (up {1}, {2} of {3} members unreachable)",
                Names(_nodes.Where(g => g.Armed)), up, unreachable, members);
        }
        _mayPet = may;
        _petting = false;
        if (!may) return;
        var toArm = _arming == FenceArming.HaNodes && _config.Config is { } c
            ? FenceRules.NodesToArm(c, vm => _owners.Of(vm)?.Node, _nodes.Select(g => g.Node))
            : null;
        var ok = true;
        foreach (var g in _nodes)
        {
            var watchdogArmed = _arming == FenceArming.HaNodes && toArm?.Contains(g.Node) != true && g.Dog.IsArmed();
            switch (FenceRules.Step(_arming, toArm, g.Node, watchdogArmed, g.LeaseMayBeHeld))
            {
                case FenceStep.Keep:
                    ok &= await ArmAsync(g, t0, toArm is null ? "its watchdog was armed; HA configuration not read yet" : "it carries HA-managed VMs");
                    break;
                case FenceStep.Release:
                    ok &= await ReleaseAsync(g, t0, watchdogArmed);
                    break;
                default:
                    g.Armed = false;
                    break;
            }
        }
        _petting = ok;
    }

    private async Task<bool> ArmAsync(Guard g, long t0, string why)
    {
        if (!g.Armed && _arming == FenceArming.HaNodes) Log.Warning("Fencing: arming {0} ({1})", g.Node, why);
        g.Armed = true;
        if (!g.Started) StartWatchdog(g);
        return await KeepAsync(g, t0, _t.FenceTimeout);
    }

    /// <summary>
    /// Releases the node's lease, then disarms its watchdog: never the other way round, or the lease could expire while
    /// the node's VMs run. A failed release keeps an armed watchdog armed and petted.
    /// </summary>
    private async Task<bool> ReleaseAsync(Guard g, long t0, bool watchdogArmed)
    {
        try
        {
            using var cts = new CancellationTokenSource(_t.FenceTimeout);
            await _leases.ReleaseAsync(g.Node, cts.Token);
        }
        catch (Exception e)
        {
            Log.Error(e, "Fencing: could not release the lease of {0}; its watchdog is not disarmed", g.Node);
            if (!watchdogArmed) return true; // tried again next cycle
            g.Armed = true; // still guarded: petted, and given the grace on a clean stop
            return await KeepAsync(g, t0, _t.FenceTimeout);
        }
        g.LeaseMayBeHeld = false;
        if (watchdogArmed && g.Dog.Disarm() is null)
            Log.Error("Fencing: the watchdog of {0} does not answer; it may still fire at its last deadline", g.Node);
        if (g.Armed || watchdogArmed) Log.Warning("Fencing: released the lease of {0} and disarmed its watchdog (it carries no HA-managed VM)", g.Node);
        g.Armed = false;
        return true;
    }

    /// <summary>Renews the node's lease for the timeout plus the margin, then pets its watchdog until t0 + the timeout.</summary>
    private async Task<bool> KeepAsync(Guard g, long t0, TimeSpan timeout)
    {
        var dog = g.Dog;
        // Never renew a lease that no watchdog would back: a member that dies then leaves an expired lease and live VMs.
        if (dog.Status() is null)
        {
            Log.Error("Fencing: the watchdog of {0} does not answer; starting it again (its lease is not renewed)", dog.Node);
            StartWatchdog(g);
            return false;
        }
        try
        {
            g.LeaseMayBeHeld = true;
            using var cts = new CancellationTokenSource(_t.FenceTimeout);
            await _leases.RenewAsync(dog.Node, _member, _t.LeaseFor(timeout), cts.Token);
        }
        catch (Exception e)
        {
            Log.Error(e, "Fencing: could not renew the lease of {0}; its watchdog is not petted", dog.Node);
            return false;
        }
        if (dog.Pet(t0 + (long)timeout.TotalMilliseconds) is not null) return true;
        Log.Error("Fencing: the watchdog of {0} does not answer; starting it again", dog.Node);
        StartWatchdog(g);
        return false;
    }

    private void StartWatchdog(Guard g)
    {
        g.Started = true;
        try
        {
            var pid = g.Dog.EnsureRunning();
            Log.Info("Fencing: watchdog of {0} runs as pid {1}", g.Node, pid);
        }
        catch (Exception e)
        {
            Log.Error(e, "Fencing: could not start the watchdog of {0}", g.Node);
        }
    }

    private static string Names(IEnumerable<Guard> nodes) => string.Join(",", nodes.Select(g => g.Node)) is { Length: > 0 } s ? s : "no node";

    /// <summary>A requested stop of a member that was petting: the armed nodes' last pet and lease last the restart grace.</summary>
    private async Task<Done> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        var armed = _nodes.Where(g => g.Armed).ToList();
        var reason = CoordinatedShutdown.Get(_system).ShutdownReason;
        if (armed.Count == 0)
        {
            // No watchdog to keep: nothing fires.
        }
        else if (!_petting || reason is CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterLeavingReason)
        {
            Log.Warning("Fencing: stopping without a restart grace ({0}); the watchdogs of {1} fire at their last deadline",
                _petting ? reason?.GetType().Name : "not petting", Names(armed));
        }
        else
        {
            var t0 = Environment.TickCount64;
            var ok = true;
            foreach (var g in armed)
                ok &= await KeepAsync(g, t0, _t.RestartGrace);
            Log.Warning("Fencing: clean stop; the watchdogs of {0} fire in {1} s unless a member pets them again{2}",
                Names(armed), _t.RestartGrace.TotalSeconds, ok ? "" : " (some were not reached)");
        }
        foreach (var g in _nodes) g.Dog.Dispose();
        return Done.Instance;
    }
}
