using ActorMigration.Actors.Hosting;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Done = Akka.Done;

namespace ActorMigration.Actors.Fencing;

/// <summary>
/// Keeps this member's nodes alive: every pet interval, while the member is Up with a majority
/// (<see cref="FenceRules.MayPet"/>), takes t0 from the host's monotonic clock, renews each hosted node's lease and
/// then pets its watchdog until t0 + the fence timeout (<see cref="FenceTimings"/>). A failed renewal means no pet, and a
/// watchdog that does not answer means no renewal.
/// A requested stop gives the watchdogs and leases the restart grace; a downed member gives nothing.
/// </summary>
public sealed class FenceKeeper
{
    private readonly ActorSystem _system;
    private readonly FenceTimings _t;
    private readonly NodeLeases _leases;
    private readonly IReadOnlyList<WatchdogClient> _dogs;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _member;
    private bool _mayPet;
    /// <summary>The last cycle renewed and petted every node (a clean stop then gives the restart grace).</summary>
    private bool _petting;
    private Task _loop = Task.CompletedTask;

    private FenceKeeper(ActorSystem system, MemberOptions o, FenceTimings t)
    {
        (_system, _t) = (system, t);
        _leases = new NodeLeases(o.Persistence, o.ConnectionString);
        _member = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress.ToString();
        _dogs = [.. o.Topology.HostedNodes.Select(n => new WatchdogClient(n, o.Topology.SettingsFor(n).RunDir, o.DriverFactory.Name,
            Path.Combine(o.Topology.DataDir, "logs", $"watchdog-{n}.log")))];
    }

    private ILoggingAdapter Log => _system.Log;

    public static void Start(ActorSystem system, MemberOptions o, FenceTimings t)
    {
        var keeper = new FenceKeeper(system, o, t);
        keeper._loop = Task.Run(keeper.LoopAsync);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "fence-restart-grace", keeper.StopAsync);
    }

    private async Task LoopAsync()
    {
        foreach (var dog in _dogs) StartWatchdog(dog);
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
        var (up, members, unreachable) = View();
        var may = FenceRules.MayPet(up, members, unreachable);
        if (may != _mayPet)
        {
            var nodes = string.Join(",", _dogs.Select(d => d.Node));
            if (may) Log.Warning("Fencing: petting the watchdogs of {0}", nodes);
            else Log.Warning("Fencing: stopped petting the watchdogs of {0} (up {1}, {2} of {3} members unreachable)", nodes, up, unreachable, members);
        }
        _mayPet = may;
        _petting = false;
        if (!may) return;
        var ok = true;
        foreach (var dog in _dogs)
            ok &= await KeepAsync(dog, t0, _t.FenceTimeout);
        _petting = ok;
    }

    /// <summary>Renews the node's lease for the timeout plus the margin, then pets its watchdog until t0 + the timeout.</summary>
    private async Task<bool> KeepAsync(WatchdogClient dog, long t0, TimeSpan timeout)
    {
        // Never renew a lease that no watchdog would back: a member that dies then leaves an expired lease and live VMs.
        if (dog.Status() is null)
        {
            Log.Error("Fencing: the watchdog of {0} does not answer; starting it again (its lease is not renewed)", dog.Node);
            StartWatchdog(dog);
            return false;
        }
        try
        {
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
        StartWatchdog(dog);
        return false;
    }

    private void StartWatchdog(WatchdogClient dog)
    {
        try
        {
            var pid = dog.EnsureRunning();
            Log.Info("Fencing: watchdog of {0} runs as pid {1}", dog.Node, pid);
        }
        catch (Exception e)
        {
            Log.Error(e, "Fencing: could not start the watchdog of {0}", dog.Node);
        }
    }

    private (bool Up, int Members, int Unreachable) View()
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        var state = cluster.State;
        var counted = state.Members.Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed)).ToList();
        return (cluster.SelfMember.Status == MemberStatus.Up, counted.Count, counted.Count(state.Unreachable.Contains));
    }

    /// <summary>A requested stop of a member that was petting: the last pet and lease last the restart grace.</summary>
    private async Task<Done> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        var reason = CoordinatedShutdown.Get(_system).ShutdownReason;
        if (!_petting || reason is CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterLeavingReason)
        {
            Log.Warning("Fencing: stopping without a restart grace ({0}); the watchdogs fire at their last deadline",
                _petting ? reason?.GetType().Name : "not petting");
        }
        else
        {
            var t0 = Environment.TickCount64;
            var ok = true;
            foreach (var dog in _dogs)
                ok &= await KeepAsync(dog, t0, _t.RestartGrace);
            Log.Warning("Fencing: clean stop; the watchdogs of {0} fire in {1} s unless a member pets them again{2}",
                string.Join(",", _dogs.Select(d => d.Node)), _t.RestartGrace.TotalSeconds, ok ? "" : " (some were not reached)");
        }
        foreach (var dog in _dogs) dog.Dispose();
        return Done.Instance;
    }
}
