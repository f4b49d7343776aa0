using ActorMigration.Domain.Access;

namespace ActorMigration.Actors.Access;

/// <summary>Messages of the access store (bound to our serializer).</summary>
public interface IAccessMessage;

/// <summary>Apply a change; answered with <see cref="AccessReply"/>.</summary>
public sealed record AccessRequest(IAccessCommand Command) : IAccessMessage;

/// <summary>The state after the change (or unchanged with the refusal in Error).</summary>
public sealed record AccessReply(AccessState State, string? Error) : IAccessMessage;

public sealed record GetAccessState : IAccessMessage;

/// <summary>Published to every member on the <see cref="AccessActor.Topic"/> after each persisted change.</summary>
public sealed record AccessChanged(AccessState State) : IAccessMessage;

/// <summary>
/// This member's current copy of the access configuration, read by the API without blocking. Only a newer
/// version replaces the copy, whichever way it arrives (the store's reply, the topic, a periodic read).
/// </summary>
public sealed class AccessView
{
    private AccessState _current = AccessState.Empty;

    public AccessState Current => Volatile.Read(ref _current);

    /// <summary>Whether a state from the store has arrived (before that, only root's built-ins are known).</summary>
    public bool Loaded => Current.TicketKey is not null;

    public void Offer(AccessState state)
    {
        while (true)
        {
            var seen = Volatile.Read(ref _current);
            if (state.Version <= seen.Version && seen.TicketKey is not null) return;
            if (Interlocked.CompareExchange(ref _current, state, seen) == seen) return;
        }
    }
}
