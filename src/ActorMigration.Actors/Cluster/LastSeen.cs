using System.Runtime.CompilerServices;
using Akka.Actor;

namespace ActorMigration.Actors.Cluster;

/// <summary>
/// The last state a member read from a singleton store, per store (one per member; tests run several members in one
/// process): readers that must not fail while the singleton moves (listings, a VM's status, the HA loop) use it when the
/// store does not answer in time.
/// </summary>
public sealed class LastSeen<T> where T : class
{
    private readonly ConditionalWeakTable<IActorRef, T> _seen = new();

    public void Remember(IActorRef store, T state) => _seen.AddOrUpdate(store, state);

    public bool TryGet(IActorRef store, out T? state) => _seen.TryGetValue(store, out state);

    /// <summary>Asks <paramref name="store"/> and remembers the answer; on a timeout, the last one seen if <paramref name="orLastSeen"/>.</summary>
    public async Task<T> AskAsync<TReply>(IActorRef store, object query, Func<TReply, T> state, TimeSpan timeout, bool orLastSeen = true)
    {
        try
        {
            var read = state(await store.Ask<TReply>(query, timeout));
            Remember(store, read);
            return read;
        }
        catch (AskTimeoutException) when (orLastSeen && _seen.TryGetValue(store, out var last))
        {
            return last;
        }
    }
}
